/**
 * The deterministic kernels behind MONAI's random intensity transforms, driven with the parameters
 * MONAI 1.4 draws for the golden cases (Compose seed → child seed → the array transform's RandomState:
 * `rand() < prob` first, then its parameters), compared with MONAI's outputs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetaImage } from '../../../src/image/meta-image.js';
import { readNpy } from '../../../src/io/numpy.js';
import { RandomState } from '../../../src/random/index.js';
import { Compose, EnsureChannelFirstd, LoadImaged } from '../../../transforms/index.js';
import { addNoise } from '../../../transforms/intensity/add-noise.js';
import { adjustContrast } from '../../../transforms/intensity/adjust-contrast.js';
import { gaussianSmooth } from '../../../transforms/intensity/gaussian-smooth.js';
import { scaleIntensity } from '../../../transforms/intensity/scale-intensity.js';
import { shiftIntensity } from '../../../transforms/intensity/shift-intensity.js';
import { GOLDEN_DIR, caseInput, compareArrays, loadCases } from '../../support/golden.js';

const cases = loadCases();

/** The RandomState of the case's (only) random transform, after its `rand() < prob` draw. */
function drawnState(seed: number): RandomState {
  const child = new RandomState(seed).randint(2 ** 32, undefined, { dtype: 'uint32' });
  const r = new RandomState(child);
  r.rand();
  return r;
}

async function check(id: string, kernel: (img: MetaImage, R: RandomState) => MetaImage): Promise<void> {
  const c = cases.find((x) => x.id === id);
  if (!c || c.seed === null) throw new Error(`golden case ${id} not found`);
  const loaded = (await new Compose([
    new LoadImaged({ keys: ['image'] }),
    new EnsureChannelFirstd({ keys: ['image'] }),
  ]).apply(caseInput(c))) as Record<string, MetaImage>;
  const out = kernel(loaded.image as MetaImage, drawnState(c.seed));
  const spec = (c.outputs as Record<string, { file: string; dtype: string; shape: number[] }>).image!;
  const exp = await readNpy(join(GOLDEN_DIR, spec.file));
  expect(out.dtype).toBe(spec.dtype);
  expect(out.shape).toEqual(spec.shape);
  expect(compareArrays(out.data, exp.data, c.tolerance.atol, c.tolerance.rtol)).toBeNull();
}

describe('kernels of the random intensity transforms reproduce MONAI with its draws', () => {
  it('RandAdjustContrastd → adjustContrast(gamma = uniform(0.5, 2))', () =>
    check('rand_adjust_contrast', (img, R) => adjustContrast(img, { gamma: R.uniform(0.5, 2.0) })));

  it('RandGaussianSmoothd → gaussianSmooth(sigma = three uniform(0.5, 1.5) draws)', () =>
    check('rand_gaussian_smooth', (img, R) =>
      gaussianSmooth(img, { sigma: [R.uniform(0.5, 1.5), R.uniform(0.5, 1.5), R.uniform(0.5, 1.5)] }),
    ));

  it('RandScaleIntensityd → scaleIntensity(factor = uniform(-0.3, 0.3))', () =>
    check('rand_scale_intensity', (img, R) =>
      scaleIntensity(img, { minv: null, maxv: null, factor: R.uniform(-0.3, 0.3) }),
    ));

  it('RandShiftIntensityd → shiftIntensity(offset = uniform(-100, 200))', () =>
    check('rand_shift_intensity', (img, R) => shiftIntensity(img, R.uniform(-100, 200))));

  it('RandGaussianNoised → addNoise(normal(0, uniform(0, 50)))', () =>
    check('rand_gaussian_noise_p1', (img, R) => {
      const std = R.uniform(0, 50);
      return addNoise(img, R.normalArray(img.size, 0, std));
    }));
});
