/**
 * Conversion of image arrays to the three dtypes TensorFlow.js has (float32, int32, bool) and to
 * its layouts. Pure typed-array code (no tfjs import): collate uses it to fill one batch buffer.
 *
 * Dtype mapping (tfjs has no float64, no 8/16-bit integers and no uint32):
 * - `float32`, `float64` → `float32` (float64 is rounded to the nearest float32);
 * - `int8`, `uint8`, `int16`, `uint16`, `int32` → `int32` (exact);
 * - `uint32` → `int32`: values ≥ 2^31 **wrap** to negative numbers (2^32 − 1 becomes −1), as a C
 *   cast does. Cast such images to float32 first (`CastToTyped`) if they can hold large values;
 * - `bool` → `bool` (stored as 0/1 bytes).
 */
import type { DType, NumericArray } from '../image/dtype.js';

/** The dtypes a tfjs tensor can have (tfjs's `complex64` and `string` are not used for images). */
export type TensorDType = 'float32' | 'int32' | 'bool';

/** Where the channel axis goes in a tensor: last (`[x, y, z, C]`, tfjs's native layout) or first. */
export type TensorLayout = 'channelsLast' | 'channelsFirst';

/** The typed array that backs a tensor of each dtype. */
export type TensorArray = Float32Array | Int32Array | Uint8Array;

/** The tensor dtype an image dtype maps to (see the module comment for the rules). */
export function tensorDTypeOf(dtype: DType): TensorDType {
  switch (dtype) {
    case 'float32':
    case 'float64':
      return 'float32';
    case 'bool':
      return 'bool';
    default:
      return 'int32';
  }
}

/** Allocates the typed array for `length` values of a tensor dtype. */
export function allocTensorArray(dtype: TensorDType, length: number): TensorArray {
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'int32') return new Int32Array(length);
  return new Uint8Array(length);
}

/** Checks a layout option, throwing a RangeError that lists the valid values. */
export function checkLayout(layout: unknown): TensorLayout {
  if (layout === 'channelsLast' || layout === 'channelsFirst') return layout;
  throw new RangeError(`layout must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(layout)}`);
}

/** Tensor shape of a channel-first image shape `[C, ...spatial]` in `layout`. */
export function layoutShape(shape: readonly number[], layout: TensorLayout): number[] {
  if (layout === 'channelsFirst' || shape.length < 2) return [...shape];
  return [...shape.slice(1), shape[0] as number];
}

/** Channel-first shape `[C, ...spatial]` of a tensor shape in `layout` (inverse of {@link layoutShape}). */
export function channelFirstShape(shape: readonly number[], layout: TensorLayout): number[] {
  if (layout === 'channelsFirst' || shape.length < 2) return [...shape];
  return [shape[shape.length - 1] as number, ...shape.slice(0, -1)];
}

/**
 * Writes a channel-first C-order image array `src` of `shape` into `out` at `outOffset`, converted
 * to `out`'s dtype and arranged in `layout`. `srcIsBool` marks 0/1 data; writing into a bool
 * (Uint8Array) output stores `x != 0`. Float → int32 truncates toward zero (NaN → 0) and wraps.
 */
export function writeTensorData(
  src: NumericArray,
  shape: readonly number[],
  layout: TensorLayout,
  out: TensorArray,
  outOffset = 0,
  outIsBool = out instanceof Uint8Array,
): void {
  const channels = shape.length >= 2 ? (shape[0] as number) : 1;
  const n = src.length;
  if (outIsBool) {
    const spatial = channels > 0 ? n / channels : 0;
    if (layout === 'channelsFirst' || channels === 1) {
      for (let i = 0; i < n; i++) out[outOffset + i] = src[i] !== 0 ? 1 : 0;
    } else {
      for (let c = 0; c < channels; c++)
        for (let s = 0, i = c * spatial; s < spatial; s++, i++)
          out[outOffset + s * channels + c] = src[i] !== 0 ? 1 : 0;
    }
    return;
  }
  if (layout === 'channelsFirst' || channels === 1) {
    // TypedArray#set converts like a C cast: float64 → float32 rounds, float → int32 truncates and wraps.
    if (out instanceof Int32Array && (src instanceof Float32Array || src instanceof Float64Array)) {
      for (let i = 0; i < n; i++) {
        const v = src[i] as number;
        out[outOffset + i] = Number.isFinite(v) ? v : 0;
      }
    } else {
      out.set(src, outOffset);
    }
    return;
  }
  const spatial = n / channels;
  const toInt = out instanceof Int32Array && (src instanceof Float32Array || src instanceof Float64Array);
  for (let c = 0; c < channels; c++) {
    let o = outOffset + c;
    const base = c * spatial;
    if (toInt) {
      for (let s = 0; s < spatial; s++, o += channels) {
        const v = src[base + s] as number;
        out[o] = Number.isFinite(v) ? v : 0;
      }
    } else {
      for (let s = 0; s < spatial; s++, o += channels) out[o] = src[base + s] as number;
    }
  }
}

/**
 * Reads one item of tensor data (`values`, laid out in `layout`, whose channel-first shape is
 * `shape`) back into a new channel-first C-order array of the same type.
 */
export function readTensorData(
  values: TensorArray,
  shape: readonly number[],
  layout: TensorLayout,
  offset = 0,
): TensorArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const channels = shape.length >= 2 ? (shape[0] as number) : 1;
  const out =
    values instanceof Float32Array
      ? new Float32Array(n)
      : values instanceof Int32Array
        ? new Int32Array(n)
        : new Uint8Array(n);
  if (layout === 'channelsFirst' || channels === 1) {
    out.set(values.subarray(offset, offset + n));
    return out;
  }
  const spatial = n / channels;
  for (let c = 0; c < channels; c++) {
    let i = offset + c;
    const base = c * spatial;
    for (let s = 0; s < spatial; s++, i += channels) out[base + s] = values[i] as number;
  }
  return out;
}
