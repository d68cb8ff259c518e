import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { ProgressBar } from './training-progress.js';

describe('ProgressBar', () => {
  it('without a terminal prints plain lines: the first, throttled updates, and the last', () => {
    let err = '';
    const io: CliIo = { stdout: () => {}, stderr: (t) => void (err += t), cwd: '.', interactive: false };
    const bar = new ProgressBar(io, 'train |{bar}| {value}/{total} | loss {loss} | ETA {eta}s', 60_000);
    bar.update(1, 10, { loss: '0.9000' });
    bar.update(5, 10, { loss: '0.5000' }); // throttled
    bar.update(10, 10, { loss: '0.1000' });
    bar.stop();
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^train \| 1\/10 \| loss 0\.9000 \| ETA \d+s$/);
    expect(lines[1]).toBe('train | 10/10 | loss 0.1000 | ETA 0s');
  });
});
