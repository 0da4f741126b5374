/**
 * DiceMetric and HausdorffDistanceMetric on a 2×3×128³ batch (channels-last one-hot float32, two
 * spheres per item, the prediction shifted and shrunk): time of `call` + `aggregate`, and tfjs tensor
 * memory before and after (results disposed). Run: `npx tsx benchmarks/metrics.ts [SIZE] [REPS]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { DiceMetric, HausdorffDistanceMetric } from '../training/metrics/index.js';

const size = Number(process.argv[2] ?? 128);
const reps = Number(process.argv[3] ?? 3);
const B = 2;
const C = 3;

/** One-hot [B, n, n, n, C]: class 1 a ball of radius 0.3n, class 2 a ball of radius 0.12n, offset by `shift`. */
function volume(n: number, shift: number, shrink: number): Float32Array {
  const out = new Float32Array(B * n * n * n * C);
  const balls = [
    { c: [0.5, 0.5, 0.5], r: 0.3 - shrink },
    { c: [0.3, 0.65, 0.5], r: 0.12 - shrink },
  ];
  for (let b = 0; b < B; b++)
    for (let x = 0; x < n; x++)
      for (let y = 0; y < n; y++)
        for (let z = 0; z < n; z++) {
          let label = 0;
          for (const [k, ball] of balls.entries()) {
            const [cx, cy, cz] = ball.c as [number, number, number];
            const dx = x / n - cx - (shift * (b + 1)) / n;
            const dy = y / n - cy;
            const dz = z / n - cz;
            if (dx * dx + dy * dy + dz * dz < ball.r * ball.r) label = k + 1;
          }
          out[(((b * n + x) * n + y) * n + z) * C + label] = 1;
        }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function main(): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  const shape = [B, size, size, size, C];
  const y = tf.tensor(volume(size, 0, 0), shape);
  const yPred = tf.tensor(volume(size, 3, 0.01), shape);
  const rows: string[][] = [
    [
      'metric',
      'volume',
      'ms (median)',
      'tensors before',
      'tensors after',
      'bytes before',
      'bytes after',
      'value',
    ],
  ];
  const metrics: [string, () => DiceMetric | HausdorffDistanceMetric][] = [
    ['DiceMetric', () => new DiceMetric({ includeBackground: false })],
    ['HausdorffDistanceMetric', () => new HausdorffDistanceMetric()],
    ['HausdorffDistanceMetric p95', () => new HausdorffDistanceMetric({ percentile: 95 })],
  ];
  for (const [name, make] of metrics) {
    const before = tf.memory();
    const times: number[] = [];
    let value = '';
    for (let r = 0; r < reps; r++) {
      const m = make();
      const t0 = performance.now();
      (await m.call(yPred, y)).dispose();
      const agg = (await m.aggregate()) as tf.Tensor;
      times.push(performance.now() - t0);
      value = Array.from(await agg.data(), (v) => v.toFixed(4)).join(',');
      agg.dispose();
      m.reset();
    }
    const after = tf.memory();
    rows.push([
      name,
      shape.join('×'),
      median(times).toFixed(0),
      String(before.numTensors),
      String(after.numTensors),
      String(before.numBytes),
      String(after.numBytes),
      value,
    ]);
  }
  tf.dispose([y, yPred]);
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c] as number)).join('  '));
  console.log(
    `backend ${tf.getBackend()}, ${reps} repetitions; the 2 input tensors are the 'before' tensors`,
  );
}

await main();
