/**
 * Spatial transform throughput on a 1×256×256×128 float32 volume (a smooth phantom with noise,
 * 1 mm voxels): Spacing, Resize, Rotate and Affine, each with the modes MONAI pipelines use most.
 * Prints the median of a few runs as milliseconds and output voxels per second.
 * Run: `npx tsx benchmarks/transforms.ts [reps]`.
 *
 * What bounds them: the resampling transforms (Spacing, Rotate, Affine, Zoom) spend their time per
 * output voxel in (1) reproducing torch's coordinate arithmetic exactly — for float32 transforms
 * (Rotate, Affine, Spacing with dtype float32) every step is rounded with `Math.fround` so that
 * nearest-neighbour ties and zero-padded edges fall as in MONAI — and (2) the 8-tap trilinear gather
 * (scattered loads). Reflection padding adds a division per axis. Resize separates into one pass per
 * axis; Orientation is a strided copy (memory bound). All single-threaded JavaScript.
 */
import { affineFromRows } from '../src/image/affine.js';
import { MetaImage } from '../src/image/meta-image.js';
import { Affine, Orientation, Resize, Rotate, Spacing, Zoom } from '../transforms/spatial/index.js';
import type { Transform } from '../transforms/transform.js';

const SHAPE = [1, 256, 256, 128];
const REPS = Number(process.argv[2] ?? 3);

function phantom(): MetaImage {
  const [, X, Y, Z] = SHAPE as [number, number, number, number];
  const data = new Float32Array(X * Y * Z);
  let seed = 1;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  let i = 0;
  for (let x = 0; x < X; x++)
    for (let y = 0; y < Y; y++)
      for (let z = 0; z < Z; z++) {
        const r2 =
          ((x - X / 2) / (0.4 * X)) ** 2 + ((y - Y / 2) / (0.35 * Y)) ** 2 + ((z - Z / 2) / (0.45 * Z)) ** 2;
        data[i++] = 1000 * Math.exp(-2 * r2) + 30 * rand();
      }
  return new MetaImage({
    data,
    shape: SHAPE,
    affine: affineFromRows([
      [-1, 0, 0, 128],
      [0, -1, 0, 128],
      [0, 0, 1, -64],
    ]),
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function bench(name: string, t: Transform<MetaImage>, img: MetaImage): Promise<Record<string, string>> {
  let out = await t.apply(img); // warm-up (JIT)
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    out = await t.apply(img);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  const vox = out.data.length;
  return {
    transform: name,
    output: `[${out.shape.join('×')}]`,
    'ms (median)': ms.toFixed(0),
    'Mvoxels/s (output)': (vox / ms / 1e3).toFixed(1),
    'Mvoxels/s (input)': (img.data.length / ms / 1e3).toFixed(1),
  };
}

const img = phantom();
const rows: Record<string, string>[] = [];
const cases: [string, Transform<MetaImage>][] = [
  ['Spacing 1.25 mm bilinear (float64, MONAI default)', new Spacing({ pixdim: [1.25, 1.25, 1.25] })],
  ['Spacing 1.25 mm bilinear (dtype float32)', new Spacing({ pixdim: [1.25, 1.25, 1.25], dtype: 'float32' })],
  ['Spacing 1.25 mm nearest', new Spacing({ pixdim: [1.25, 1.25, 1.25], mode: 'nearest' })],
  ['Resize 192×192×96 trilinear', new Resize({ spatialSize: [192, 192, 96], mode: 'trilinear' })],
  ['Resize 128×128×64 area', new Resize({ spatialSize: [128, 128, 64], mode: 'area' })],
  ['Resize 192×192×96 nearest', new Resize({ spatialSize: [192, 192, 96], mode: 'nearest' })],
  ['Rotate (0.1, 0.2, 0.3) rad bilinear', new Rotate({ angle: [0.1, 0.2, 0.3] })],
  ['Rotate (0.1, 0.2, 0.3) rad nearest', new Rotate({ angle: [0.1, 0.2, 0.3], mode: 'nearest' })],
  [
    'Affine rotate+scale bilinear reflection',
    new Affine({ rotateParams: [0, 0, 0.3], scaleParams: [1.1, 0.9, 1.0] }),
  ],
  [
    'Affine rotate+scale bilinear zeros',
    new Affine({ rotateParams: [0, 0, 0.3], scaleParams: [1.1, 0.9, 1.0], paddingMode: 'zeros' }),
  ],
  ['Zoom 1.2 trilinear (keep size)', new Zoom({ zoom: 1.2, mode: 'trilinear' })],
  ['Orientation RAS (flip, no resampling)', new Orientation({ axcodes: 'RAS' })],
];
for (const [name, t] of cases) rows.push(await bench(name, t, img));
console.log(
  `spatial transforms on a ${SHAPE.join('×')} float32 volume (${(img.data.length / 1e6).toFixed(1)} M voxels), median of ${REPS} runs, Node ${process.version}`,
);
console.table(rows);
