import type { PadMode } from '../../../transforms/crop-pad/pad-array.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { cropArray } from '../../../transforms/crop-pad/crop-array.js';
import { padArray } from '../../../transforms/crop-pad/pad-array.js';

interface PadCase {
  shape: number[];
  data: number[];
  dtype?: string;
  pad_width: [number, number][];
  mode: string;
  value: number;
  out_shape: number[];
  out: number[];
}
const fixture = JSON.parse(readFileSync('test/fixtures/crop-pad/pad-cases.json', 'utf8')) as {
  cases: PadCase[];
};

describe('padArray matches numpy.pad', () => {
  it('has fixture cases for every mode', () => {
    expect(new Set(fixture.cases.map((c) => c.mode))).toEqual(
      new Set(['constant', 'edge', 'reflect', 'symmetric', 'wrap']),
    );
  });
  for (const [i, c] of fixture.cases.entries()) {
    it(`#${i} ${c.mode} shape [${c.shape}] pad ${JSON.stringify(c.pad_width)}${c.dtype ? ` ${c.dtype}` : ''}`, () => {
      const src = c.dtype === 'int16' ? Int16Array.from(c.data) : Float32Array.from(c.data);
      const { data, shape } = padArray(src, c.shape, c.pad_width, c.mode as PadMode, c.value);
      expect(shape).toEqual(c.out_shape);
      expect(data.constructor).toBe(src.constructor);
      expect(Array.from(data)).toEqual(c.out);
    });
  }

  it('accepts the torch aliases replicate and circular', () => {
    const src = Float32Array.from([1, 2, 3]);
    expect(Array.from(padArray(src, [3], [[2, 2]], 'replicate').data)).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect(Array.from(padArray(src, [3], [[2, 2]], 'circular').data)).toEqual([2, 3, 1, 2, 3, 1, 2]);
  });

  it('returns the input array when nothing is padded and pads missing trailing axes with nothing', () => {
    const src = Float32Array.from([1, 2, 3, 4]);
    expect(padArray(src, [2, 2], [[0, 0]]).data).toBe(src);
    const { shape } = padArray(src, [2, 2], [[1, 0]]);
    expect(shape).toEqual([3, 2]);
  });

  it('rejects bad widths, unknown modes and empty axes with TransformErrors', () => {
    const src = Float32Array.from([1, 2, 3]);
    expect(() => padArray(src, [3], [[-1, 0]])).toThrow(TransformError);
    expect(() => padArray(src, [3], [[NaN, 0]])).toThrow(/non-negative integers/);
    expect(() => padArray(src, [3], [[1, 1]], 'maximum' as never)).toThrow(/not supported/);
    expect(() => padArray(new Float32Array(0), [0], [[1, 1]], 'reflect')).toThrow(/empty axis/);
    expect(Array.from(padArray(new Float32Array(0), [0], [[1, 1]], 'constant', 3).data)).toEqual([3, 3]);
    expect(() => padArray(src, [4], [[1, 1]])).toThrow(/needs 4/);
  });
});

describe('cropArray', () => {
  it('crops every axis and shares the input when the box is the whole array', () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i);
    const { data, shape } = cropArray(src, [2, 3, 4], [1, 0, 1], [2, 2, 3]);
    expect(shape).toEqual([1, 2, 2]);
    expect(Array.from(data)).toEqual([13, 14, 17, 18]);
    expect(cropArray(src, [2, 3, 4], [0, 0, 0], [2, 3, 4]).data).toBe(src);
  });

  it('rejects boxes outside the array', () => {
    const src = new Float32Array(6);
    expect(() => cropArray(src, [2, 3], [0, 2], [2, 4])).toThrow(TransformError);
    expect(() => cropArray(src, [2, 3], [1, 0], [0, 3])).toThrow(/not inside/);
  });
});
