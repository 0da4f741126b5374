import { TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { allocFloat, castOutput, computeDTypeOf } from './intensity-utils.js';
import { rounder } from '../../src/image/numerics.js';

/**
 * RandGaussianNoise's deterministic part (MONAI): the image and the (float64) noise are both cast to
 * `dtype` (default float32; null keeps the image dtype) and added in that precision.
 *
 * @example
 * const noise = R.normalArray(img.size, mean, R.uniform(0, std)); // drawn by the random transform
 * const noisy = addNoise(img, noise);
 */
export function addNoise(
  img: MetaImage,
  noise: ArrayLike<number>,
  dtype: DType | null = 'float32',
): MetaImage {
  if (noise.length !== img.size)
    throw new TransformError(
      'RandGaussianNoise',
      undefined,
      `noise has ${noise.length} values but the image has ${img.size}`,
    );
  const outDType = dtype ?? img.dtype;
  const x = castOutput(img.data, outDType);
  const n = castOutput(noise instanceof Float64Array ? noise : Float64Array.from(noise), outDType);
  const compute = computeDTypeOf(outDType);
  const f = rounder(compute);
  const sum = allocFloat(compute, img.size);
  for (let i = 0; i < sum.length; i++) sum[i] = f((x[i] as number) + (n[i] as number));
  return img.clone({ data: castOutput(sum, outDType), dtype: outDType });
}
