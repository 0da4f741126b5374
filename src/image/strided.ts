import type { NumericArray } from './dtype.js';

/**
 * Copies a strided view of `src` into `dst` in C order: `dst[k]` (k running over `shape` in C order)
 * = `src[offset + Σ idx_j * strides_j]`. Strides may be negative (flips) or permuted (transposes);
 * this one loop serves crop, flip, rot90, transpose and reorientation. Axes contiguous in `src`
 * are merged first; the innermost axis runs as a tight loop, or as one block copy when it is
 * contiguous and both arrays have the same type (a crop copies rows).
 */
export function stridedCopy(
  src: NumericArray,
  dst: NumericArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  dstOffset = 0,
): void {
  const n = shape.length;
  if (n === 0) {
    dst[dstOffset] = src[offset] as number;
    return;
  }
  for (const s of shape) if (s === 0) return;
  if (n > 1) {
    // (the shorter walk is never merged further, so this recurses once)
    const merged = mergeContiguousAxes(shape, strides);
    if (merged.shape.length < n) {
      stridedCopy(src, dst, merged.shape, merged.strides, offset, dstOffset);
      return;
    }
  }
  const inner = shape[n - 1] as number;
  const innerStride = strides[n - 1] as number;
  const contiguous = innerStride === 1 && src.constructor === dst.constructor;
  // float32 rows shorter than SHORT_ROW: an unrolled loop beats `set(subarray())` (whose per-call
  // cost dominates a 32-value row) by about 2× on a crop; longer rows and other types block-copy
  const shortF32 = contiguous && inner < SHORT_ROW && src instanceof Float32Array;
  const block = contiguous && inner >= 16 && !shortF32;
  const idx = new Array<number>(n - 1).fill(0);
  let base = offset;
  let k = dstOffset;
  const outer = shape.slice(0, n - 1).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    if (shortF32) {
      copyRowF32(src as Float32Array, dst as Float32Array, base, k, inner);
      k += inner;
    } else if (block) {
      // same type: a block copy is exact, and much faster than elementwise for long rows
      dst.set(src.subarray(base, base + inner), k);
      k += inner;
    } else if (innerStride === 1) {
      for (let i = 0; i < inner; i++) dst[k++] = src[base + i] as number;
    } else {
      let p = base;
      for (let i = 0; i < inner; i++, p += innerStride) dst[k++] = src[p] as number;
    }
    // advance the outer multi-index (C order)
    for (let ax = n - 2; ax >= 0; ax--) {
      base += strides[ax] as number;
      const next = (idx[ax] as number) + 1;
      if (next < (shape[ax] as number)) {
        idx[ax] = next;
        break;
      }
      base -= (strides[ax] as number) * (shape[ax] as number);
      idx[ax] = 0;
    }
  }
}

/** Rows up to this many float32 values are copied by {@link copyRowF32} instead of `set`. */
const SHORT_ROW = 128;

/**
 * `dst[k…k+n) = src[from…from+n)`, unrolled by 8. Only ever called with two Float32Arrays, so the
 * loads and stores stay monomorphic (a version shared by every array type was slower than `set`).
 */
function copyRowF32(src: Float32Array, dst: Float32Array, from: number, k: number, n: number): void {
  const end8 = from + (n & ~7);
  for (; from < end8; from += 8, k += 8) {
    dst[k] = src[from] as number;
    dst[k + 1] = src[from + 1] as number;
    dst[k + 2] = src[from + 2] as number;
    dst[k + 3] = src[from + 3] as number;
    dst[k + 4] = src[from + 4] as number;
    dst[k + 5] = src[from + 5] as number;
    dst[k + 6] = src[from + 6] as number;
    dst[k + 7] = src[from + 7] as number;
  }
  const end = end8 + (n & 7);
  while (from < end) dst[k++] = src[from++] as number;
}

/**
 * The same walk over fewer axes: axes of size 1 dropped, neighbouring axes that are contiguous in
 * the source merged (same elements in the same order, longer rows).
 */
function mergeContiguousAxes(
  shape: readonly number[],
  strides: readonly number[],
): { shape: number[]; strides: number[] } {
  const sh: number[] = [];
  const st: number[] = [];
  shape.forEach((s, i) => {
    if (s !== 1) {
      sh.push(s);
      st.push(strides[i] as number);
    }
  });
  if (sh.length === 0) return { shape: [1], strides: [1] };
  for (let ax = sh.length - 2; ax >= 0; ax--)
    if (st[ax] === (st[ax + 1] as number) * (sh[ax + 1] as number)) {
      sh[ax] = (sh[ax] as number) * (sh[ax + 1] as number);
      st[ax] = st[ax + 1] as number;
      sh.splice(ax + 1, 1);
      st.splice(ax + 1, 1);
    }
  return { shape: sh, strides: st };
}
