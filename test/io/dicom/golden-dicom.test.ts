/**
 * Every `load_dicom_*` MONAI 1.4 golden case, read with our PydicomReader directly (no
 * transforms): pixels exactly, shape, dtype, affine, spacing and the other meta keys. The expected
 * arrays include the channel axis EnsureChannelFirstd adds, so we add it the same way here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PydicomReader } from '../../../src/io/dicom/index.js';
import type { MetaImage } from '../../../src/image/meta-image.js';
import { readNpy } from '../../../src/io/numpy.js';

const GOLDEN = resolve(dirname(fileURLToPath(import.meta.url)), '../../golden');

interface Case {
  id: string;
  input: string;
  pipeline: { transform: string; args: Record<string, unknown> }[];
  outputs: {
    image: {
      file: string;
      dtype: string;
      shape: number[];
      affine: number[][];
      meta: {
        spatial_shape: number[];
        original_channel_dim: string | number;
        space: string;
        spacing: number[];
        original_affine: number[][];
      };
    };
  };
}

const cases = (JSON.parse(readFileSync(join(GOLDEN, 'cases.json'), 'utf8')) as Case[]).filter((c) =>
  c.id.startsWith('load_dicom_'),
);

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** Reader options from the case's LoadImaged arguments (the ones that are not LoadImaged's own). */
function readerOptions(c: Case): Record<string, unknown> {
  const args = c.pipeline[0]!.args;
  const own = new Set([
    'keys',
    'reader',
    'image_only',
    'dtype',
    'ensure_channel_first',
    'allow_missing_keys',
  ]);
  return Object.fromEntries(
    Object.entries(args)
      .filter(([k]) => !own.has(k))
      .map(([k, v]) => [camel(k), v]),
  );
}

/** EnsureChannelFirst: prepend a channel for 'no_channel', move a last channel axis to the front. */
function channelFirst(img: MetaImage): { data: ArrayLike<number>; shape: number[] } {
  const cd = img.meta.original_channel_dim;
  if (cd === 'no_channel') return { data: img.data, shape: [1, ...img.shape] };
  expect(cd).toBe(-1);
  const c = img.shape[img.shape.length - 1]!;
  const n = img.data.length / c;
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[k * n + i] = img.data[i * c + k]!;
  return { data: out, shape: [c, ...img.shape.slice(0, -1)] };
}

function rows(a: Float64Array): number[][] {
  return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => a[r * 4 + c]!));
}

function expectClose(actual: number[][], expected: number[][], tol: number): void {
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++)
      expect(
        Math.abs(actual[r]![c]! - expected[r]![c]!),
        `affine[${r}][${c}] ${actual[r]![c]} vs ${expected[r]![c]}`,
      ).toBeLessThanOrEqual(tol);
}

describe('PydicomReader against MONAI 1.4 golden DICOM cases', () => {
  it('has the load_dicom cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(11);
  });

  for (const c of cases) {
    for (const sortBy of ['position', 'instanceNumber'] as const) {
      it(`${c.id} (sortBy ${sortBy})`, async () => {
        const out = c.outputs.image;
        const img = await new PydicomReader().read(join(GOLDEN, c.input), { ...readerOptions(c), sortBy });
        const expected = await readNpy(join(GOLDEN, out.file));
        expect(img.dtype).toBe(out.dtype);
        const cf = channelFirst(img);
        expect(cf.shape).toEqual(out.shape);
        expect(expected.shape).toEqual(out.shape);
        // Exact pixels (the golden tolerance for loading is 0/0).
        let mismatches = 0;
        let first = -1;
        for (let i = 0; i < expected.data.length; i++)
          if (cf.data[i] !== expected.data[i]) {
            mismatches++;
            if (first < 0) first = i;
          }
        expect(mismatches, `first mismatch at ${first}: ${cf.data[first]} vs ${expected.data[first]}`).toBe(
          0,
        );
        expectClose(rows(img.affine), out.affine, 1e-6);
        expectClose(rows(img.meta.original_affine as Float64Array), out.meta.original_affine, 1e-6);
        expect(img.meta.spatial_shape).toEqual(out.meta.spatial_shape);
        expect(img.meta.original_channel_dim).toBe(out.meta.original_channel_dim);
        expect(img.meta.space).toBe(out.meta.space);
        const spacing = img.meta['spacing'] as number[];
        expect(spacing.length).toBe(out.meta.spacing.length);
        for (const [i, s] of out.meta.spacing.entries()) expect(spacing[i]).toBeCloseTo(s, 9);
      });
    }
  }
});
