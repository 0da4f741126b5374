/**
 * Runs the MONAI golden cases of the crop/pad family and checks what the shared harness does not:
 * the `applied_operations` trace (crop boxes, pad widths, nested pad/crop info) and, for
 * `inverse_cropfg_pad`, the inverted image, its shape and affine.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { affineToRows } from '../../../src/image/affine.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import { PydicomReader } from '../../../src/io/dicom/pydicom-reader.js';
import { readNpy } from '../../../src/io/numpy.js';
import { readerNames, registerReader } from '../../../src/io/reader-registry.js';
import {
  GOLDEN_DIR,
  type GoldenOutput,
  buildPipeline,
  caseInput,
  compareOutput,
  loadCases,
} from '../../support/golden.js';

const FAMILY =
  /^(crop_foreground_|spatial_pad_|border_pad_|divisible_pad_|center_crop_|spatial_crop_|resize_with_pad_or_crop|inverse_cropfg_pad)/;
const cases = loadCases().filter((c) => FAMILY.test(c.id));

/** JSON round trip, so typed arrays and tuples compare as MONAI's lists. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

beforeAll(() => {
  // The lead registers the DICOM reader in the library; make sure these tests can load DICOM either way.
  if (!readerNames().includes('PydicomReader')) registerReader(new PydicomReader());
});

describe('crop/pad golden cases: traces and inverses', () => {
  it('covers the crop/pad cases of the golden set', () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
  });

  for (const c of cases) {
    it(c.id, async () => {
      const compose = buildPipeline(c);
      const out = (await compose.apply(caseInput(c))) as Record<string, unknown>;
      const outputs = c.outputs as Record<string, GoldenOutput>;
      for (const [key, spec] of Object.entries(outputs)) {
        if (key === 'inverse') continue;
        const img = out[key] as MetaImage;
        expect(MetaImage.isMetaImage(img)).toBe(true);
        expect(await compareOutput(img, spec, c.tolerance), `${c.id}.${key}`).toEqual([]);
        expect(plain(img.appliedOperations), `${c.id}.${key} trace`).toEqual(spec.applied_operations);
      }
      const startCoord = out.foreground_start_coord;
      if (c.pipeline.some((p) => p.transform === 'CropForegroundd')) {
        // MONAI writes the (k-divisible) box into the item.
        const op = (out.image as MetaImage).appliedOperations[0]!;
        const cropped = op.extra_info.cropped as number[];
        const pad = (op.extra_info.pad_info as { extra_info: { padded: number[][] } }).extra_info.padded;
        expect(startCoord).toEqual(pad.slice(1).map((p, i) => (cropped[2 * i] as number) - (p[0] as number)));
      }
      if (outputs.inverse) {
        const inv = (await compose.inverse(out)) as Record<string, unknown>;
        for (const key of ['image', 'label']) {
          const img = inv[key] as MetaImage;
          expect(img.shape).toEqual(outputs.inverse.shape);
          expect(affineToRows(img.affine)).toEqual(outputs.inverse.affine);
          expect(img.appliedOperations).toEqual([]);
        }
        expect(await compareOutput(inv.image, outputs.inverse, c.tolerance)).toEqual([]);
        const exp = await readNpy(join(GOLDEN_DIR, outputs.inverse.file));
        expect(Array.from((inv.image as MetaImage).data)).toEqual(Array.from(exp.data));
      }
    });
  }
});
