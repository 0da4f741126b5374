import { describe, expect, it } from 'vitest';
import {
  applyAffineToGrid,
  centerCropGrid,
  createDenseGrid,
  denseSamplingGrid,
  displaceGrid,
  meshgridDense,
} from '../../src/image/dense-grid.js';
import { gridSample } from '../../src/image/resample.js';

describe('dense grids', () => {
  it('create_grid: centred coordinates per axis, meshgrid in C order', () => {
    const g = createDenseGrid([2, 3]);
    expect(g.shape).toEqual([2, 3]);
    expect(Array.from(g.coords[0]!)).toEqual([-0.5, -0.5, -0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(g.coords[1]!)).toEqual([-1, 0, 1, -1, 0, 1]);
    expect(Array.from(createDenseGrid([3], [2]).coords[0]!)).toEqual([-2, 0, 2]);
  });

  it('centre crop keeps the middle block of every coordinate array', () => {
    const g = meshgridDense([Float64Array.from([0, 1, 2, 3, 4]), Float64Array.from([10, 11, 12, 13])]);
    const c = centerCropGrid(g, [3, 2]);
    expect(c.shape).toEqual([3, 2]);
    expect(Array.from(c.coords[0]!)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(Array.from(c.coords[1]!)).toEqual([11, 12, 11, 12, 11, 12]);
  });

  it('displacement adds float32(scale · offset) per axis and refuses offsets of the wrong size', () => {
    const g = displaceGrid(createDenseGrid([2]), Float32Array.from([0.1, -0.2]), 3);
    expect(Array.from(g.coords[0]!)).toEqual([
      -0.5 + Math.fround(3 * Math.fround(0.1)),
      0.5 + Math.fround(3 * Math.fround(-0.2)),
    ]);
    expect(() => displaceGrid(createDenseGrid([2, 2]), new Float32Array(3), 1)).toThrow(
      /3 offsets for a 2-axis grid of 4 points/,
    );
  });

  it('the identity grid through the one resampler reproduces the image; a shift moves it', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i);
    const shape = [1, 3, 4];
    const identity = applyAffineToGrid(
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      createDenseGrid([3, 4]),
    );
    expect(
      Array.from(gridSample(src, shape, denseSamplingGrid(identity, [3, 4]), { mode: 'nearest' })),
    ).toEqual(Array.from(src));
    const shifted = applyAffineToGrid(
      [
        [1, 0, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
      createDenseGrid([3, 4]),
    );
    const out = gridSample(src, shape, denseSamplingGrid(shifted, [3, 4]), {
      mode: 'nearest',
      paddingMode: 'zeros',
    });
    expect(Array.from(out)).toEqual([1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0]);
  });
});
