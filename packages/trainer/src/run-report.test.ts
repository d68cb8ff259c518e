import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { plotLines } from './line-plot.js';
import { MetricsLog } from './metrics-log.js';
import { writeLossCurve } from './run-report.js';
import { tempDir } from './test-helpers.js';

describe('report', () => {
  it('plotLines draws each series in its colour inside the axes', () => {
    const img = plotLines(
      [
        {
          name: 'a',
          color: [255, 0, 0],
          points: [
            [0, 1],
            [10, 0.1],
          ],
        },
      ],
      { width: 100, height: 80 },
    );
    let red = 0;
    for (let i = 0; i < img.data.length; i += 3) if (img.data[i] === 255 && img.data[i + 1] === 0) red++;
    expect(red).toBeGreaterThan(40);
    // falling line: red at the left near the top, at the right near the bottom
    const redAt = (x: number) => {
      for (let y = 0; y < 80; y++)
        if (img.data[(y * 100 + x) * 3 + 1] === 0 && img.data[(y * 100 + x) * 3] === 255) return y;
      return -1;
    };
    expect(redAt(25)).toBeLessThan(redAt(75));
  });

  it('writeLossCurve writes a decodable PNG from metrics.jsonl', () => {
    const dir = tempDir();
    const log = new MetricsLog(join(dir, 'metrics.jsonl'));
    for (let s = 1; s <= 20; s++)
      log.append({ step: s, loss: 1 / s, ...(s % 5 === 0 ? { val_loss: 1.2 / s } : {}) });
    const [path] = writeLossCurve(dir);
    const png = decode(readFileSync(path!));
    expect([png.width, png.height, png.channels]).toEqual([480, 300, 3]);
  });
});
