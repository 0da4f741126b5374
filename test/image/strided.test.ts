import { describe, expect, it } from 'vitest';
import type { NumericArray } from '../../src/image/dtype.js';
import { stridedCopy } from '../../src/image/strided.js';
import { RandomState } from '../../src/random/index.js';

/** The definition: dst[k] = src[offset + Σ idx_j · strides_j], k over `shape` in C order. */
function reference(
  src: NumericArray,
  dst: NumericArray,
  shape: number[],
  strides: number[],
  offset: number,
  dstOffset: number,
): void {
  const total = shape.reduce((a, b) => a * b, 1);
  const idx = shape.map(() => 0);
  for (let k = 0; k < total; k++) {
    dst[dstOffset + k] = src[idx.reduce((p, i, a) => p + i * strides[a]!, offset)]!;
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
}

describe('stridedCopy', () => {
  it('copies crops, flips and transposes of every dtype as the definition says (merged axes, block rows)', () => {
    const rng = new RandomState(3);
    const types = [Float32Array, Int16Array, Float64Array, Uint8Array] as const;
    for (let t = 0; t < 400; t++) {
      const n = rng.randint(1, 5);
      const full = Array.from({ length: n }, () => rng.randint(1, 41));
      const S = types[rng.randint(0, 4)]!;
      const D = rng.rand() < 0.7 ? S : Float32Array;
      const src = new S(full.reduce((a, b) => a * b, 1)).map(() => rng.randint(0, 100));
      const cStrides = full.map((_, i) => full.slice(i + 1).reduce((a, b) => a * b, 1));
      const start = full.map((s) => rng.randint(0, s));
      const shape = full.map((s, i) => rng.randint(1, s - start[i]! + 1));
      let offset = 0;
      const strides = cStrides.map((st, i) => {
        const flip = rng.rand() < 0.25;
        offset += (flip ? start[i]! + shape[i]! - 1 : start[i]!) * st;
        return flip ? -st : st;
      });
      const order = shape.map((_, i) => i);
      if (rng.rand() < 0.3) order.reverse();
      const s2 = order.map((a) => shape[a]!);
      const st2 = order.map((a) => strides[a]!);
      const size = s2.reduce((a, b) => a * b, 1);
      const got = new D(size + 3);
      const want = new D(size + 3);
      stridedCopy(src, got, s2, st2, offset, 2);
      reference(src, want, s2, st2, offset, 2);
      expect(got, `case ${t}: shape [${s2}] strides [${st2}] offset ${offset}`).toEqual(want);
    }
  });
});
