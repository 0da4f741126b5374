import { describe, expect, it } from 'vitest';
import { type SamplingGrid, affineTransformGrid, gridSample } from '../../src/image/resample.js';

/** The same grid with a negligible off-diagonal term: forces the general 8-tap path. */
function general(grid: SamplingGrid): SamplingGrid {
  const matrix = grid.matrix.map((r) => r.slice());
  (matrix[0] as number[])[1] = 1e-300;
  return { ...grid, matrix };
}

describe('gridSample axis-aligned fast path', () => {
  const inShape = [2, 23, 19, 11];
  const src = Float32Array.from({ length: 2 * 23 * 19 * 11 }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 7));
  const cases: { xform: number[][]; out: number[]; align: boolean }[] = [
    {
      xform: [
        [1.4, 0, 0, 0.3],
        [0, 0.8, 0, -1.2],
        [0, 0, 2.1, 0.5],
        [0, 0, 0, 1],
      ],
      out: [17, 25, 6],
      align: false,
    },
    {
      xform: [
        [0.5, 0, 0, 4],
        [0, 1, 0, 0],
        [0, 0, 1.5, -3],
        [0, 0, 0, 1],
      ],
      out: [40, 19, 9],
      align: true,
    },
  ];
  for (const dtype of ['float64', 'float32'] as const)
    for (const padding of ['border', 'zeros', 'reflection'] as const)
      for (const [k, c] of cases.entries())
        it(`is bit-identical to the general path (${dtype}, ${padding}, case ${k})`, () => {
          const grid = affineTransformGrid(c.xform, inShape.slice(1), c.out, c.align, dtype);
          const fast = gridSample(src, inShape, grid, { mode: 'bilinear', paddingMode: padding });
          const slow = gridSample(src, inShape, general(grid), { mode: 'bilinear', paddingMode: padding });
          expect(Array.from(fast)).toEqual(Array.from(slow));
        });

  it('handles 2D and NaN-free zero padding outside the image', () => {
    const s2 = Float32Array.from({ length: 3 * 10 * 8 }, (_, i) => i);
    const grid = affineTransformGrid(
      [
        [2, 0, 5],
        [0, 0.5, -6],
        [0, 0, 1],
      ],
      [10, 8],
      [12, 20],
      false,
      'float64',
    );
    const fast = gridSample(s2, [3, 10, 8], grid, { paddingMode: 'zeros' });
    const slow = gridSample(s2, [3, 10, 8], general(grid), { paddingMode: 'zeros' });
    expect(Array.from(fast)).toEqual(Array.from(slow));
    expect(fast.some((v) => v === 0)).toBe(true);
  });
});
