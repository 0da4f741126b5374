/**
 * SliceWriter (grouped, tiled writes) against a plain per-voxel reference: any arrival order,
 * both axis orders, RGB, mixed rescale modes, groups split by the memory limit.
 */
import { describe, expect, it } from 'vitest';
import type { NumericArray } from '../../../src/image/dtype.js';
import type { SeriesSlice } from '../../../src/io/dicom/assemble-series.js';
import { type RescaleMode, SliceWriter } from '../../../src/io/dicom/slice-writer.js';

function slice(slope?: number, intercept?: number): SeriesSlice {
  return {
    header: {} as SeriesSlice['header'],
    frame: 0,
    instanceNumber: undefined,
    geometry: {
      position: undefined,
      orientation: undefined,
      pixelSpacing: undefined,
      sliceThickness: undefined,
      rescaleSlope: slope,
      rescaleIntercept: intercept,
    },
  };
}

function reference(
  frames: NumericArray[],
  slices: SeriesSlice[],
  modes: RescaleMode[],
  rows: number,
  cols: number,
  spp: number,
  swapIj: boolean,
): Float64Array {
  const n = frames.length;
  const out = new Float64Array(rows * cols * n * spp);
  for (let s = 0; s < n; s++)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        for (let k = 0; k < spp; k++) {
          const x = frames[s]![(r * cols + c) * spp + k]!;
          const g = slices[s]!.geometry;
          const m = g.rescaleSlope ?? 1;
          const b = g.rescaleIntercept ?? 0;
          const v =
            modes[s] === 'float32'
              ? Math.fround(Math.fround(x * Math.fround(m)) + Math.fround(b))
              : modes[s] === 'exact'
                ? x * m + b
                : x;
          const o = swapIj ? ((c * rows + r) * n + s) * spp + k : ((r * cols + c) * n + s) * spp + k;
          out[o] = v;
        }
  return out;
}

describe('SliceWriter', () => {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

  for (const [rows, cols, n, spp, swapIj, mixed, bytesPerSample] of [
    [70, 90, 37, 1, true, false, 2],
    [70, 90, 37, 1, true, true, 2],
    [70, 90, 37, 1, false, false, 2],
    [33, 20, 5, 3, true, false, 2],
    [33, 20, 5, 3, false, true, 2],
    [131, 67, 9, 1, true, false, 2 ** 20], // groups of one
  ] as const) {
    it(`writes ${rows}×${cols}×${n}×${spp} (swapIj ${swapIj}, mixed modes ${mixed}, ${bytesPerSample} B/sample) in any order as the reference`, () => {
      const frames = Array.from({ length: n }, () =>
        Int16Array.from({ length: rows * cols * spp }, () => Math.floor(rnd() * 4000) - 2000),
      );
      const slices = Array.from({ length: n }, (_, s) =>
        s % 5 === 3 ? slice() : slice(1.5 + s / 7, -1024.25),
      );
      const modes: RescaleMode[] = slices.map((s) =>
        s.geometry.rescaleSlope === undefined ? 'none' : 'float32',
      );
      const out = new Float32Array(rows * cols * n * spp);
      const w = new SliceWriter(out, slices, modes, rows, cols, spp, swapIj, false, bytesPerSample);
      const order = [...Array(n).keys()].sort(() => rnd() - 0.5);
      for (const i of order.slice(0, n - 2)) w.add(i, frames[i]!);
      for (const i of order.slice(n - 2)) w.add(i, frames[i]!);
      w.finish();
      const ref = reference(frames, slices, modes, rows, cols, spp, swapIj);
      let bad = 0;
      for (let i = 0; i < ref.length; i++) if (out[i] !== ref[i]) bad++;
      expect(bad).toBe(0);
    });
  }

  it('writes exact integer rescale and booleans', () => {
    const frames = [Uint16Array.from([0, 1, 2, 3]), Uint16Array.from([4, 0, 6, 7])];
    const slices = [slice(2, -3), slice(2, -3)];
    const out = new Int32Array(8);
    const w = new SliceWriter(out, slices, ['exact', 'exact'], 2, 2, 1, true, false, 2);
    w.add(1, frames[1]!);
    w.add(0, frames[0]!);
    w.finish();
    expect(Array.from(out)).toEqual(Array.from(reference(frames, slices, ['exact', 'exact'], 2, 2, 1, true)));
    const mask = new Uint8Array(8);
    const b = new SliceWriter(mask, [slice(), slice()], ['none', 'none'], 2, 2, 1, false, true, 2);
    b.add(0, frames[0]!);
    b.add(1, frames[1]!);
    b.finish();
    expect(Array.from(mask)).toEqual([0, 1, 1, 0, 1, 1, 1, 1]);
  });
});
