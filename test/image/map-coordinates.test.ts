/**
 * mapCoordinates against scipy.ndimage.map_coordinates (test/fixtures/map-coordinates: orders 0, 1 and 3,
 * modes constant/nearest/reflect, 2D and 3D, coordinates inside, outside, on ties and edges).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type NdimageMode, type SplineOrder, mapCoordinates } from '../../src/image/map-coordinates.js';

interface Case {
  shape: number[];
  image: number[];
  coords: number[][];
  order: SplineOrder;
  mode: NdimageMode;
  expected: number[];
}

const { cases } = JSON.parse(
  readFileSync(new URL('../fixtures/map-coordinates/cases.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

describe('mapCoordinates as scipy.ndimage.map_coordinates', () => {
  for (const c of cases)
    it(`${c.shape.length}D order ${c.order} mode ${c.mode}`, () => {
      const out = mapCoordinates(
        Float64Array.from(c.image),
        [1, ...c.shape],
        c.coords.map((r) => Float64Array.from(r)),
        [c.expected.length],
        c.order,
        c.mode,
      );
      // float32 output; order 3 sums 4^n products of prefiltered coefficients: allow float64 noise
      if (c.order < 3) expect(Array.from(out)).toEqual(c.expected.map(Math.fround));
      else out.forEach((v, i) => expect(Math.abs(v - (c.expected[i] as number))).toBeLessThan(1e-6));
    });
});
