/**
 * Runs the MONAI golden cases of the spatial family and checks what the shared harness does not:
 * the `applied_operations` trace (class names, orig_size, extra_info — matrices to 1e-9) and, for
 * `inverse_orientation_spacing`, the inverted image with its shape and affine. It also replays the
 * DICOM-based cases from the golden *loaded* image (expected/load_dicom_*.npy), so that the spatial
 * transforms are checked even where a reader changes.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { affineFromRows } from '../../../src/image/affine.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import { PydicomReader } from '../../../src/io/dicom/pydicom-reader.js';
import { readNpy } from '../../../src/io/numpy.js';
import { readerNames, registerReader } from '../../../src/io/reader-registry.js';
import { spacing } from '../../../transforms/spatial/spacing.js';
import { Compose } from '../../../transforms/compose.js';
import type { Transform } from '../../../transforms/transform.js';
import {
  GOLDEN_DIR,
  type GoldenCase,
  type GoldenOutput,
  buildPipeline,
  caseInput,
  compareArrays,
  compareOutput,
  loadCases,
} from '../../support/golden.js';

const FAMILY =
  /^(orient_|spacing_|resize_(all|longest|minus1|nearest|2d)|flip_|rot90_|rotate_|zoom_|affine_|inverse_orientation_spacing)/;
const cases = loadCases().filter((c) => FAMILY.test(c.id));

/** Deep comparison of traces: numbers to 1e-9 (relative for large ones), everything else exactly. */
function sameTrace(a: unknown, b: unknown, path = '$'): string[] {
  if (typeof b === 'number') {
    if (typeof a !== 'number') return [`${path}: ${JSON.stringify(a)} vs ${b}`];
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) ? [] : [`${path}: ${a} vs ${b}`];
  }
  if (Array.isArray(b)) {
    if (!Array.isArray(a) || a.length !== b.length)
      return [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
    return b.flatMap((x, i) => sameTrace(a[i], x, `${path}[${i}]`));
  }
  if (b && typeof b === 'object') {
    if (!a || typeof a !== 'object') return [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return [`${path}: keys ${ka.join(',')} vs ${kb.join(',')}`];
    return kb.flatMap((k) =>
      sameTrace((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
}

/** Our trace as plain JSON (typed arrays become lists, as MONAI's). */
const plain = (x: unknown) =>
  JSON.parse(
    JSON.stringify(x, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)),
  ) as unknown;

beforeAll(() => {
  if (!readerNames().includes('PydicomReader')) registerReader(new PydicomReader());
});

describe('spatial golden cases: traces and inverses', () => {
  it('covers the spatial cases of the golden set', () => {
    expect(cases.length).toBe(36);
  });

  for (const c of cases) {
    it(c.id, async () => {
      const compose = buildPipeline(c);
      const result = (await compose.apply(caseInput(c))) as Record<string, unknown>;
      const outputs = c.outputs as Record<string, GoldenOutput>;
      for (const [key, spec] of Object.entries(outputs)) {
        if (key === 'inverse') continue;
        const img = result[key];
        expect(MetaImage.isMetaImage(img), key).toBe(true);
        expect(
          sameTrace(plain((img as MetaImage).appliedOperations), spec.applied_operations ?? []),
          `${c.id}.${key} trace`,
        ).toEqual([]);
      }
      if (c.id.startsWith('inverse_')) {
        const inv = (await compose.inverse(result)) as Record<string, unknown>;
        const img = inv.image as MetaImage;
        expect(MetaImage.isMetaImage(img)).toBe(true);
        const spec = outputs.inverse as GoldenOutput;
        expect(await compareOutput(img, spec, c.tolerance)).toEqual([]);
        expect(img.appliedOperations).toEqual([]);
      }
    });
  }
});

/** The golden loaded image of a DICOM file (expected/load_dicom_*), as a MetaImage. */
async function loadedFromGolden(loadId: string): Promise<MetaImage> {
  const c = loadCases().find((x) => x.id === loadId) as GoldenCase;
  const spec = (c.outputs as Record<string, GoldenOutput>).image as Required<GoldenOutput>;
  const arr = await readNpy(join(GOLDEN_DIR, spec.file));
  return new MetaImage({
    data: arr.data as Float32Array,
    shape: arr.shape,
    affine: affineFromRows(spec.affine),
    meta: { ...spec.meta, original_affine: affineFromRows(spec.meta.original_affine as number[][]) },
  });
}

const DICOM_SOURCE: Record<string, string> = {
  'inputs/pydicom/MR_small.dcm': 'load_dicom_MR_small',
  'inputs/pydicom/CT_small.dcm': 'load_dicom_CT_small',
};

describe('spatial golden cases replayed from the loaded DICOM images (reader-independent)', () => {
  const dicomCases = cases.filter(
    (c) => c.reader === 'PydicomReader' && typeof (c as unknown as { input: unknown }).input === 'string',
  );
  it('has DICOM-based spatial cases', () => expect(dicomCases.length).toBeGreaterThanOrEqual(8));
  for (const c of dicomCases) {
    it(c.id, async () => {
      const loadId = DICOM_SOURCE[(c as unknown as { input: string }).input];
      expect(
        loadId,
        `no loaded image for ${String((c as unknown as { input: string }).input)}`,
      ).toBeDefined();
      const img = await loadedFromGolden(loadId as string);
      const steps = buildPipeline(c).transforms.slice(2) as Transform[];
      const out = (await new Compose(steps).apply({ image: img })) as Record<string, unknown>;
      const spec = (c.outputs as Record<string, GoldenOutput>).image as GoldenOutput;
      expect(await compareOutput(out.image, spec, c.tolerance)).toEqual([]);
      expect(
        sameTrace(plain((out.image as MetaImage).appliedOperations), spec.applied_operations ?? []),
      ).toEqual([]);
    });
  }
});

describe('kernels reproduce MONAI on the golden phantom', () => {
  it('Spacing nearest ties fall as torch 1.13 rounds them (3D: half away from zero)', async () => {
    const c = cases.find((x) => x.id === 'spacing_aniso_nearest_anatomical') as GoldenCase;
    const loaded = (await buildPipeline({ ...c, pipeline: c.pipeline.slice(0, 2) }).apply(
      caseInput(c),
    )) as Record<string, MetaImage>;
    const out = spacing(loaded.image as MetaImage, { pixdim: [3, 2.5, 4], mode: 'nearest' });
    const exp = await readNpy(join(GOLDEN_DIR, 'expected/spacing_aniso_nearest_anatomical.image.npy'));
    // exact: nearest neighbour copies values
    expect(compareArrays(out.data, exp.data, 0, 0)).toBeNull();
  });
});
