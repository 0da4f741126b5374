import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { type GaussianApprox, checkGaussianApprox, gaussianFilter } from './gaussian-filter.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import { describe, requireOptions } from './intensity-utils.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link GaussianSmooth}. */
export interface GaussianSmoothOptions {
  /** Standard deviation in voxels: one for all spatial axes or one per axis (default 1.0). */
  sigma?: number | readonly number[];
  /** Discrete kernel: `'erf'` (default), `'sampled'` or `'scalespace'`, as MONAI's GaussianFilter. */
  approx?: GaussianApprox;
}

/**
 * GaussianSmooth on one image: MONAI's GaussianFilter (float32 kernels, truncated at 4 sigma, zero
 * padding, separable) on the float32 image. The result is float32, as in MONAI.
 */
export function gaussianSmooth(img: MetaImage, options: GaussianSmoothOptions = {}): MetaImage {
  const data = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data as ArrayLike<number>);
  const sigma = options.sigma ?? 1.0;
  const nd = img.shape.length - 1;
  if (typeof sigma !== 'number' && sigma.length !== nd && sigma.length !== 1)
    throw new TransformError(
      'GaussianSmooth',
      undefined,
      `sigma has ${sigma.length} values but the image has ${nd} spatial dimensions (shape [${img.shape.join(', ')}])`,
    );
  const out = gaussianFilter(data, img.shape, sigma, { approx: options.approx ?? 'erf' });
  return img.clone({ data: out, dtype: 'float32' });
}

function checkOptions(name: string, o: GaussianSmoothOptions): void {
  const s = o.sigma;
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (s !== undefined && !(ok(s) || (Array.isArray(s) && s.length > 0 && s.every(ok))))
    throw new TransformError(
      name,
      undefined,
      `sigma must be a positive number or one per spatial axis, got ${describe(s)}`,
    );
  checkGaussianApprox(name, o.approx);
}

/**
 * Gaussian smoothing (MONAI `GaussianSmooth`): separable, zero-padded (borders get darker), float32.
 *
 * @example
 * await new GaussianSmooth({ sigma: [0.5, 1.5, 2.0] }).apply(img);
 */
export class GaussianSmooth extends ImageTransform<GaussianSmoothOptions> {
  constructor(options: GaussianSmoothOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('GaussianSmooth', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return gaussianSmooth(img, this.options);
  }
}

/** Dictionary twin of {@link GaussianSmooth}. */
export class GaussianSmoothd extends ImageMapTransform<MapTransformOptions & GaussianSmoothOptions> {
  constructor(options: MapTransformOptions & GaussianSmoothOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('GaussianSmoothd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return gaussianSmooth(img, this.options);
  }
}
