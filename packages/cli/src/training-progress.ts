import { SingleBar } from 'cli-progress';
import type { CliIo } from './cli-io.js';

/**
 * Progress on stderr for long steps (training, evaluation, generation): a cli-progress bar
 * redrawn in place on a terminal; otherwise (CI logs, pipes) one plain line every `everyMs`
 * and at the end, with the same fields.
 */
export class ProgressBar {
  private readonly bar: SingleBar | undefined;
  private started = false;
  private lastLine = 0;
  private startedAt = 0;
  private last: { value: number; total: number; payload: Record<string, unknown> } | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly format: string,
    private readonly everyMs = 10_000,
  ) {
    if (io.interactive) {
      this.bar = new SingleBar({
        format,
        stream: { write: (t: string) => io.stderr(t), isTTY: true } as unknown as NodeJS.WritableStream,
        hideCursor: false,
        etaBuffer: 50,
      });
    }
  }

  update(value: number, total: number, payload: Record<string, unknown> = {}): void {
    this.last = { value, total, payload };
    if (!this.started) {
      this.started = true;
      this.startedAt = performance.now();
      this.bar?.start(total, value, payload);
      if (!this.bar) this.printLine();
      return;
    }
    if (this.bar) {
      this.bar.setTotal(total);
      this.bar.update(value, payload);
    } else if (performance.now() - this.lastLine >= this.everyMs) this.printLine();
  }

  stop(): void {
    if (this.started) {
      if (this.bar) this.bar.stop();
      else this.printLine();
    }
    this.started = false;
  }

  /** The format with {bar} dropped and {value}, {total}, {eta} and payload fields filled in. */
  private printLine(): void {
    if (!this.last) return;
    const { value, total, payload } = this.last;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const eta = value > 0 ? Math.round((elapsed / value) * (total - value)) : 0;
    const fields: Record<string, unknown> = { ...payload, value, total, eta, bar: '' };
    const line = this.format
      .replace(/\{(\w+)\}/g, (_, k: string) => String(fields[k] ?? ''))
      .replace(/\|\s*\|/, '|');
    this.io.stderr(`${line}\n`);
    this.lastLine = performance.now();
  }
}
