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
    // axis 0 and the last axis kept: only the middle axis is resampled
    {
      xform: [
        [1, 0, 0, 0],
        [0, 0.7, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      out: [23, 26, 11],
      align: false,
    },
    // only axis 0 resampled, flipped (its taps run backwards)
    {
      xform: [
        [-0.6, 0, 0, 20],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      out: [38, 19, 11],
      align: false,
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

  // power-of-two sizes: an axis kept as it is samples exactly on its voxels (the pass is skipped)
  const exactShape = [2, 16, 8, 4];
  const exact = Float32Array.from({ length: 2 * 16 * 8 * 4 }, (_, i) => Math.cos(i * 0.21) * 50 + (i % 5));
  const exactCases: { xform: number[][]; out: number[] }[] = [
    // axis 0 and the last axis kept: only the middle axis is resampled
    {
      xform: [
        [1, 0, 0, 0],
        [0, 0.75, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      out: [16, 10, 4],
    },
    // only axis 0 resampled
    {
      xform: [
        [0.5, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      out: [32, 8, 4],
    },
    // nothing resampled
    {
      xform: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      out: [16, 8, 4],
    },
  ];
  for (const [k, c] of exactCases.entries())
    it(`skips axes sampled on their voxels, bit-identical to the general path (case ${k})`, () => {
      const grid = affineTransformGrid(c.xform, exactShape.slice(1), c.out, false, 'float64');
      const fast = gridSample(exact, exactShape, grid, { mode: 'bilinear', paddingMode: 'border' });
      const slow = gridSample(exact, exactShape, general(grid), { mode: 'bilinear', paddingMode: 'border' });
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
