/**
 * MONAI's `sliding_window_inference` on tfjs tensors: the predictor sees `swBatchSize` windows at a
 * time, window outputs are blended with an importance map into a full-size output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { layoutOption, rejectUnknownOptions } from '../options.js';
import { TrainingError } from '../training-error.js';
import { checkPaddingMode, padTensor, type PaddingMode } from './pad-spatial.js';
import {
  importanceMap,
  resizeNearestExact,
  scanInterval,
  windowPositions,
  windowStarts,
  type BlendMode,
} from './window-grid.js';
import { roundHalfEven } from '../../src/image/numerics.js';

/**
 * What runs on a batch of windows `(n, ...roi, C)` (or `(n, C, ...roi)` channels-first): a function
 * returning a tensor (or a Promise of one), or a model with `predict` (a `tf.LayersModel`). Its output
 * may have another channel count and a spatial size that is a fixed zoom of the window.
 */
export type Predictor =
  | ((windows: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>)
  | {
      /** Runs the model on a batch of windows. */
      predict(windows: tf.Tensor): tf.Tensor | tf.Tensor[];
    };

/** Options of {@link slidingWindowInference}: MONAI's keyword arguments in camelCase, MONAI's defaults. */
export interface SlidingWindowOptions {
  /** Fraction of overlap between windows, one number or one per spatial axis, in [0, 1) (default 0.25). */
  overlap?: number | readonly number[];
  /** Blending of overlapping outputs (default `'constant'`). */
  mode?: BlendMode;
  /** σ of the Gaussian blend as a fraction of the window size, one or one per axis (default 0.125). */
  sigmaScale?: number | readonly number[];
  /** How inputs smaller than the window are padded (default `'constant'`). */
  paddingMode?: PaddingMode;
  /** Fill value of `constant` padding (default 0). */
  cval?: number;
  /** `'channelsLast'` (default, `[B, X, Y(, Z), C]`) or `'channelsFirst'` (`[B, C, X, Y(, Z)]`). */
  layout?: TensorLayout;
}

/** The option names {@link slidingWindowInference} accepts. */
export const SLIDING_WINDOW_OPTIONS = [
  'overlap',
  'mode',
  'sigmaScale',
  'paddingMode',
  'cval',
  'layout',
] as const;

function perAxis(name: string, value: number | readonly number[], n: number): number[] {
  const list = typeof value === 'number' ? new Array<number>(n).fill(value) : [...value];
  if (list.length !== n || list.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    throw new TrainingError(
      'slidingWindowInference',
      `${name} must be a number or ${n} numbers (one per spatial axis), got ${JSON.stringify(value)}`,
    );
  return list;
}

async function predict(predictor: Predictor, windows: tf.Tensor): Promise<tf.Tensor> {
  const out = typeof predictor === 'function' ? await predictor(windows) : predictor.predict(windows);
  if (Array.isArray(out)) {
    tf.dispose(out);
    throw new TrainingError(
      'slidingWindowInference',
      'the predictor returned several tensors; return one tensor per batch of windows',
    );
  }
  if (!(out instanceof tf.Tensor))
    throw new TrainingError('slidingWindowInference', 'the predictor must return a tf.Tensor');
  return out;
}

const product = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) s[a] = (s[a + 1] as number) * (shape[a + 1] as number);
  return s;
}

/**
 * Calls `visit(srcRow, dstRow)` for every row (all spatial axes but the last) of a window of `size`
 * placed at `start` in a grid of strides `dstStrides`; rows are offsets in voxels.
 */
function forEachRow(
  size: readonly number[],
  start: readonly number[],
  dstStrides: readonly number[],
  visit: (srcRow: number, dstRow: number) => void,
): void {
  const nd = size.length;
  const last = size[nd - 1] as number;
  const rows = product(size.slice(0, -1));
  const coord = new Array<number>(Math.max(nd - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let dst = start[nd - 1] as number;
    for (let a = 0; a < nd - 1; a++)
      dst += ((start[a] as number) + (coord[a] as number)) * (dstStrides[a] as number);
    visit(r * last, dst);
    for (let a = nd - 2; a >= 0; a--) {
      if (++coord[a]! < (size[a] as number)) break;
      coord[a] = 0;
    }
  }
}

/**
 * Sliding-window inference as MONAI 1.4's `sliding_window_inference`: windows of `roiSize` start at
 * multiples of `int(roi·(1-overlap))` per axis (the last flush with the end); inputs smaller than the
 * window are padded (`diff // 2` before) and the output cropped back; overlapping outputs are blended
 * with constant or Gaussian weights. Memory holds `swBatchSize` windows plus the output. A predictor
 * whose output is a fixed zoom of the window is placed at the scaled window positions. The input is not
 * disposed; the result is a new float32 tensor.
 *
 * @example
 * const pred = await slidingWindowInference(image, [96, 96, 96], 4, (w) => model.predict(w) as tf.Tensor,
 *   { overlap: 0.5, mode: 'gaussian' });
 */
export async function slidingWindowInference(
  inputs: tf.Tensor,
  roiSize: readonly number[] | number,
  swBatchSize: number,
  predictor: Predictor,
  options: SlidingWindowOptions = {},
): Promise<tf.Tensor> {
  rejectUnknownOptions('slidingWindowInference', options, SLIDING_WINDOW_OPTIONS);
  const layout = layoutOption('slidingWindowInference', options.layout);
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant' && mode !== 'gaussian')
    throw new TrainingError(
      'slidingWindowInference',
      `mode must be 'constant' or 'gaussian', got ${JSON.stringify(mode)}`,
    );
  const paddingMode = checkPaddingMode(options.paddingMode ?? 'constant');
  const cval = options.cval ?? 0;
  const rank = inputs.rank;
  if (rank < 3)
    throw new TrainingError(
      'slidingWindowInference',
      `inputs must be a batch (B, ${layout === 'channelsLast' ? 'spatial..., C' : 'C, spatial...'}), got shape [${inputs.shape.join(', ')}]`,
    );
  if (!Number.isInteger(swBatchSize) || swBatchSize < 1)
    throw new TrainingError(
      'slidingWindowInference',
      `swBatchSize must be a positive integer, got ${swBatchSize}`,
    );
  const nd = rank - 2;
  const spatialAxis0 = layout === 'channelsFirst' ? 2 : 1;
  const batch = inputs.shape[0] as number;
  const inSize = inputs.shape.slice(spatialAxis0, spatialAxis0 + nd);
  const roi = perAxis('roiSize', roiSize, nd).map((r, i) => (r > 0 ? r : (inSize[i] as number)));
  if (roi.some((r) => !Number.isInteger(r)))
    throw new TrainingError('slidingWindowInference', `roiSize must be integers, got [${roi.join(', ')}]`);
  const overlap = perAxis('overlap', options.overlap ?? 0.25, nd);
  if (overlap.some((o) => o < 0 || o >= 1))
    throw new TrainingError(
      'slidingWindowInference',
      `overlap must be in [0, 1), got [${overlap.join(', ')}]`,
    );
  const sigmaScale = perAxis('sigmaScale', options.sigmaScale ?? 0.125, nd);

  const imageSize = inSize.map((n, i) => Math.max(n, roi[i] as number));
  const spatialPads = inSize.map((n, i) => {
    const diff = Math.max((roi[i] as number) - n, 0);
    const half = Math.floor(diff / 2);
    return [half, diff - half] as [number, number];
  });
  const padded = spatialPads.some(([b, a]) => b > 0 || a > 0);
  const fullPads: [number, number][] = inputs.shape.map(() => [0, 0]);
  spatialPads.forEach((p, i) => (fullPads[spatialAxis0 + i] = p));
  const source = padded ? padTensor(inputs, fullPads, paddingMode, cval) : inputs;

  try {
    const positions = windowPositions(windowStarts(imageSize, roi, scanInterval(imageSize, roi, overlap)));
    const numWin = positions.length;
    const total = numWin * batch;
    const baseWeights = importanceMap(roi, mode, sigmaScale);

    let outC = 0;
    let outWin: number[] = [];
    let outFull: number[] = [];
    let zoom: number[] | null = null;
    let weights = baseWeights;
    let output = new Float32Array(0);
    let count = new Float32Array(0);
    let outStrides: number[] = [];
    const placed = (pos: readonly number[]) =>
      zoom === null ? pos : pos.map((s, a) => Math.trunc(s * (zoom as number[])[a]!));

    for (let first = 0; first < total; first += swBatchSize) {
      const ids = Array.from({ length: Math.min(swBatchSize, total - first) }, (_, k) => first + k);
      const windows = tf.tidy(() =>
        tf.concat(
          ids.map((id) => {
            const pos = positions[id % numWin] as number[];
            const begin = inputs.shape.map(() => 0);
            const size = inputs.shape.map(() => -1);
            begin[0] = Math.floor(id / numWin);
            size[0] = 1;
            pos.forEach((s, i) => {
              begin[spatialAxis0 + i] = s;
              size[spatialAxis0 + i] = roi[i] as number;
            });
            return tf.slice(source, begin, size);
          }),
          0,
        ),
      );
      let out: tf.Tensor;
      try {
        out = await predict(predictor, windows);
      } catch (e) {
        windows.dispose();
        throw e;
      }
      let values: Float32Array;
      try {
        if (out.rank !== rank || out.shape[0] !== ids.length)
          throw new TrainingError(
            'slidingWindowInference',
            `the predictor returned shape [${out.shape.join(', ')}] for ${ids.length} windows of shape [${windows.shape.join(', ')}]; expected rank ${rank} with ${ids.length} windows first`,
          );
        const oC = (layout === 'channelsFirst' ? out.shape[1] : out.shape[rank - 1]) as number;
        const oWin = out.shape.slice(spatialAxis0, spatialAxis0 + nd);
        if (first === 0) {
          outC = oC;
          outWin = oWin;
          if (oWin.some((s, a) => s !== roi[a])) {
            zoom = oWin.map((s, a) => s / (roi[a] as number));
            weights = resizeNearestExact(baseWeights, roi, oWin);
          }
          outFull = imageSize.map((n, a) => (zoom === null ? n : Math.trunc(n * (zoom[a] as number))));
          for (const pos of positions) {
            const st = placed(pos);
            if (st.some((s, a) => s + (oWin[a] as number) > (outFull[a] as number)))
              throw new TrainingError(
                'slidingWindowInference',
                `the predictor's output [${oWin.join(', ')}] for a window of [${roi.join(', ')}] does not fit the zoomed output [${outFull.join(', ')}]; use a window size that the zoom maps to whole voxels`,
              );
          }
          output = new Float32Array(batch * outC * product(outFull));
          count = new Float32Array(product(outFull));
          outStrides = strides(outFull);
          const last = outWin[nd - 1] as number;
          for (const pos of positions)
            forEachRow(outWin, placed(pos), outStrides, (src, dst) => {
              for (let j = 0; j < last; j++)
                count[dst + j] = (count[dst + j] as number) + (weights[src + j] as number);
            });
        } else if (oC !== outC || oWin.some((s, a) => s !== outWin[a])) {
          throw new TrainingError(
            'slidingWindowInference',
            `the predictor's output shape changed between calls: [${out.shape.join(', ')}] after ${outC} channels × [${outWin.join(', ')}]`,
          );
        }
        values = (await out.data()) as Float32Array;
      } finally {
        if (out !== windows) out.dispose();
        windows.dispose();
      }
      const winVox = product(outWin);
      const fullVox = product(outFull);
      const last = outWin[nd - 1] as number;
      ids.forEach((id, k) => {
        const b = Math.floor(id / numWin);
        const st = placed(positions[id % numWin] as number[]);
        forEachRow(outWin, st, outStrides, (src, dst) => {
          if (layout === 'channelsFirst') {
            for (let c = 0; c < outC; c++) {
              const s0 = (k * outC + c) * winVox + src;
              const d0 = (b * outC + c) * fullVox + dst;
              for (let j = 0; j < last; j++)
                output[d0 + j] =
                  (output[d0 + j] as number) +
                  Math.fround((weights[src + j] as number) * (values[s0 + j] as number));
            }
          } else {
            const s0 = (k * winVox + src) * outC;
            const d0 = (b * fullVox + dst) * outC;
            for (let j = 0; j < last; j++) {
              const w = weights[src + j] as number;
              for (let c = 0; c < outC; c++) {
                const o = j * outC + c;
                output[d0 + o] = (output[d0 + o] as number) + Math.fround(w * (values[s0 + o] as number));
              }
            }
          }
        });
      });
    }

    const fullVox = product(outFull);
    if (layout === 'channelsFirst') {
      for (let i = 0; i < output.length; i++)
        output[i] = (output[i] as number) / (count[i % fullVox] as number);
    } else {
      for (let i = 0; i < output.length; i++)
        output[i] = (output[i] as number) / (count[Math.floor(i / outC) % fullVox] as number);
    }
    const shape = layout === 'channelsFirst' ? [batch, outC, ...outFull] : [batch, ...outFull, outC];
    const full = tf.tensor(output, shape, 'float32');
    if (!padded) return full;
    const begin = shape.map(() => 0);
    const size = [...shape];
    spatialPads.forEach(([before], a) => {
      const scale = (outFull[a] as number) / (imageSize[a] as number);
      const start = roundHalfEven(before * scale);
      const end = roundHalfEven((before + (inSize[a] as number)) * scale);
      begin[spatialAxis0 + a] = start;
      size[spatialAxis0 + a] = end - start;
    });
    const cropped = tf.slice(full, begin, size);
    full.dispose();
    return cropped;
  } finally {
    if (source !== inputs) source.dispose();
  }
}
