/** Padding of the spatial axes of a batch tensor with torch's `F.pad` modes, built from tfjs ops. */
import * as tf from '@tensorflow/tfjs-core';
import { TrainingError } from '../training-error.js';

/** torch padding modes, as MONAI's sliding window takes them (`PytorchPadMode`). */
export type PaddingMode = 'constant' | 'reflect' | 'replicate' | 'circular';

const MODES: readonly PaddingMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Refuses a padding mode that is not one of torch's. */
export function checkPaddingMode(mode: unknown): PaddingMode {
  if (MODES.includes(mode as PaddingMode)) return mode as PaddingMode;
  throw new TrainingError(
    'slidingWindowInference',
    `paddingMode must be one of ${MODES.join(', ')} (torch F.pad modes), got ${JSON.stringify(mode)}`,
  );
}

function padAxis(x: tf.Tensor, axis: number, before: number, after: number, mode: PaddingMode): tf.Tensor {
  const n = x.shape[axis] as number;
  const edge = (start: number, size: number) => {
    const begin = x.shape.map(() => 0);
    const sz = x.shape.map(() => -1);
    begin[axis] = start;
    sz[axis] = size;
    return tf.slice(x, begin, sz);
  };
  const parts: tf.Tensor[] = [];
  if (mode === 'replicate') {
    const reps = x.shape.map(() => 1);
    if (before > 0)
      parts.push(
        tf.tile(
          edge(0, 1),
          reps.map((r, a) => (a === axis ? before : r)),
        ),
      );
    parts.push(x);
    if (after > 0)
      parts.push(
        tf.tile(
          edge(n - 1, 1),
          reps.map((r, a) => (a === axis ? after : r)),
        ),
      );
  } else {
    if (before > n || after > n)
      throw new TrainingError(
        'slidingWindowInference',
        `circular padding of ${Math.max(before, after)} exceeds the axis size ${n}`,
      );
    if (before > 0) parts.push(edge(n - before, before));
    parts.push(x);
    if (after > 0) parts.push(edge(0, after));
  }
  return tf.concat(parts, axis);
}

/**
 * Pads `x` by `pads[axis] = [before, after]` (one pair per axis of `x`) with a torch padding mode;
 * `cval` fills `constant` padding.
 */
export function padTensor(
  x: tf.Tensor,
  pads: [number, number][],
  mode: PaddingMode,
  cval: number,
): tf.Tensor {
  return tf.tidy(() => {
    if (mode === 'constant') return tf.pad(x, pads, cval);
    if (mode === 'reflect') {
      pads.forEach(([b, a], axis) => {
        const n = x.shape[axis] as number;
        if (b >= n || a >= n)
          throw new TrainingError(
            'slidingWindowInference',
            `reflect padding of ${Math.max(b, a)} needs an axis larger than that, got size ${n}; use paddingMode 'replicate' or 'constant'`,
          );
      });
      return tf.mirrorPad(x, pads, 'reflect');
    }
    let out = x;
    pads.forEach(([b, a], axis) => {
      if (b > 0 || a > 0) out = padAxis(out, axis, b, a, mode);
    });
    return out;
  });
}
