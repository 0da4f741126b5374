/**
 * Sliding-window inference on a 1×160×160×160×1 volume with a 96³ window and the UNet of
 * examples/segmentation-3d.ts as predictor (cpu backend unless CSC_MLOPS_BACKEND says otherwise):
 *   npx tsx benchmarks/inferers.ts [--size 160] [--roi 96] [--sw 1,4]
 * Prints one row per (mode, swBatchSize): windows, seconds, tensors and tensor MB before/after, and the
 * tensor memory when the predictor returns (what swBatchSize windows and their output cost).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { segmentationUNet } from '../examples/segmentation-3d.js';
import { initBackend } from '../src/backend/index.js';
import { slidingWindowInference } from '../training/inferers/index.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '160' },
    roi: { type: 'string', default: '96' },
    sw: { type: 'string', default: '1,4' },
  },
});
const size = Number(values.size);
const roi = Number(values.roi);
const swBatchSizes = values.sw.split(',').map(Number);
tf.env().set('PROD', true);
const backend = await initBackend();
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

const model = segmentationUNet();
const volume = tf.randomUniform([1, size, size, size, 1], 0, 1, 'float32', 0);
const rows: Record<string, string | number>[] = [];
for (const mode of ['constant', 'gaussian'] as const) {
  for (const sw of swBatchSizes) {
    const before = tf.memory();
    let windows = 0;
    let peak = before.numBytes;
    const t = performance.now();
    const out = await slidingWindowInference(
      volume,
      [roi, roi, roi],
      sw,
      (w) => {
        windows += w.shape[0] as number;
        const y = model.predict(w) as tf.Tensor;
        peak = Math.max(peak, tf.memory().numBytes);
        return y;
      },
      { overlap: 0.25, mode },
    );
    const seconds = (performance.now() - t) / 1000;
    const during = tf.memory();
    out.dispose();
    const after = tf.memory();
    rows.push({
      mode,
      swBatchSize: sw,
      windows,
      seconds: seconds.toFixed(1),
      'tensors before': before.numTensors,
      'tensors after (output disposed)': after.numTensors,
      'MB before': mb(before.numBytes),
      'MB with output': mb(during.numBytes),
      'MB after': mb(after.numBytes),
      'MB at predictor output': mb(peak),
    });
  }
}
volume.dispose();
model.dispose();
console.log(
  `backend ${backend.backend}; volume 1×${size}³×1, window ${roi}³, overlap 0.25, UNet of examples/segmentation-3d.ts`,
);
console.table(rows);
