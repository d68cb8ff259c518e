import { SingleBar } from 'cli-progress';
import type { CliIo } from './cli-io.js';

/** A cli-progress bar on stderr for long steps (training, evaluation, generation). */
export class ProgressBar {
  private readonly bar: SingleBar;
  private started = false;

  constructor(io: CliIo, format: string) {
    this.bar = new SingleBar({
      format,
      stream: {
        write: (t: string) => io.stderr(t),
        isTTY: io.interactive,
      } as unknown as NodeJS.WritableStream,
      noTTYOutput: !io.interactive,
      notTTYSchedule: 5000,
      hideCursor: false,
      etaBuffer: 50,
    });
  }

  update(value: number, total: number, payload: Record<string, unknown> = {}): void {
    if (!this.started) {
      this.bar.start(total, value, payload);
      this.started = true;
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(value, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}
