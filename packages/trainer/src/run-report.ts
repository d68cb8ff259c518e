import { join } from 'node:path';
import { writeFileAtomic } from '@vlakit/core';
import { encode } from 'fast-png';
import { type PlotSeries, plotLines, type RgbImage } from './line-plot.js';
import { MetricsLog } from './metrics-log.js';

/** Encodes an RGB image as PNG bytes. */
export function encodePng(image: RgbImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 });
}

/**
 * Writes report/loss-curve.png (training loss in blue, validation loss in orange, log scale)
 * from a run's metrics.jsonl; returns the files written.
 */
export function writeLossCurve(runDir: string): string[] {
  const records = new MetricsLog(join(runDir, 'metrics.jsonl')).read();
  const series: PlotSeries[] = [
    {
      name: 'loss',
      color: [31, 119, 180],
      points: records.filter((r) => typeof r['loss'] === 'number').map((r) => [r.step, r['loss'] as number]),
    },
    {
      name: 'val_loss',
      color: [255, 127, 14],
      points: records
        .filter((r) => typeof r['val_loss'] === 'number')
        .map((r) => [r.step, r['val_loss'] as number]),
    },
  ];
  const path = join(runDir, 'report', 'loss-curve.png');
  writeFileAtomic(path, encodePng(plotLines(series, { logY: true })));
  return [path];
}
