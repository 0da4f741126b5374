import { TransformError } from '../../src/errors.js';
import { type MetaImage, copyMeta } from '../../src/image/meta-image.js';
import { markInvertible } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import { gridPadding, resampleMode } from './common.js';
import {
  type PerKeyResampleOptions,
  type ResampleModeOptions,
  invertSpatialResample,
  perKeyResampleOptions,
  spatialResample,
} from './spacing.js';
import { checkedOptions } from '../option-check.js';

/**
 * MONAI `ResampleToMatch` on one image: resampled onto `dst`'s affine and spatial shape, then its whole
 * meta replaced by a copy of `dst`'s (keeping only its own `filename_or_obj`). Traced as
 * `ResampleToMatch`; float32 out.
 */
export function resampleToMatch(
  img: MetaImage,
  dst: MetaImage,
  options: ResampleModeOptions = {},
  where = 'ResampleToMatch',
): MetaImage {
  const out = spatialResample(img, dst.affine, dst.spatialShape, options, 'ResampleToMatch', where);
  const name = img.meta.filename_or_obj ?? 'resample_to_match_source';
  out.meta = { ...copyMeta(dst.meta), filename_or_obj: name };
  return out;
}

/**
 * Resamples an image onto another image's grid (MONAI `ResampleToMatch`), e.g. a label onto a reference scan.
 *
 * @example
 * const onRef = await new ResampleToMatch({ mode: 'nearest' }).apply(label, reference);
 */
export class ResampleToMatch extends Transform<MetaImage, MetaImage, ResampleModeOptions> {
  constructor(options: ResampleModeOptions = {}) {
    checkedOptions(new.target.name, options);
    resampleMode(options.mode ?? 'bilinear', 'ResampleToMatch');
    gridPadding(options.paddingMode ?? 'border', 'ResampleToMatch');
    super(options);
    markInvertible(this);
  }

  async apply(img: MetaImage, imgDst?: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    if (imgDst === undefined)
      throw new TransformError(this.name, undefined, 'needs the destination image: apply(img, imgDst)');
    const dst = requireImage(imgDst, this.name);
    return withKey(this.name, undefined, () => resampleToMatch(image, dst, this.options, this.name));
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      invertSpatialResample(requireImage(img, this.name), 'ResampleToMatch'),
    );
  }
}

/** Options of {@link ResampleToMatchd}: mode, paddingMode, alignCorners and dtype may be given per key. */
export interface ResampleToMatchdOptions extends MapTransformOptions, PerKeyResampleOptions {
  /** Key of the image whose grid to match. */
  keyDst: string;
}

/**
 * Dictionary twin of {@link ResampleToMatch}.
 *
 * @example
 * new ResampleToMatchd({ keys: ['image', 'label'], keyDst: 'ref', mode: ['bilinear', 'nearest'] })
 */
export class ResampleToMatchd extends MapTransform<DataItem, ResampleToMatchdOptions> {
  private readonly perKeyOptions: ResampleModeOptions[];

  constructor(options: ResampleToMatchdOptions) {
    super(options);
    markInvertible(this);
    if (typeof options.keyDst !== 'string')
      throw new TransformError(this.name, undefined, 'keyDst (the key of the image to match) is required');
    this.perKeyOptions = perKeyResampleOptions(options, this.keys, this.name);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const kd = this.options.keyDst;
    const dst = requireImage(data[kd], this.name, kd);
    return this.mapImages(data, (img, _key, i) =>
      resampleToMatch(img, dst, this.perKeyOptions[i] as ResampleModeOptions, this.name),
    );
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertSpatialResample(img, 'ResampleToMatch', key));
  }
}
