import { TransformError } from '../../src/errors.js';
import { type NumericArray, allocArray, castArray } from '../../src/image/dtype.js';
import { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { requireOptions } from './intensity-utils.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import { checkedOptions } from '../option-check.js';

/** A mask: a MetaImage or a plain channel-first array with its shape. */
export type MaskData = MetaImage | { data: NumericArray; shape: readonly number[] };

/** Options of {@link MaskIntensity}. */
export interface MaskIntensityOptions {
  /** The mask `[1 or C, ...spatial]`; may instead be given at call time (`maskIntensity(img, mask)`). */
  maskData?: MaskData | null;
  /** Selects the voxels to keep from the mask values (default `v > 0`, MONAI `is_positive`). */
  selectFn?: (value: number) => boolean;
}

const isPositive = (v: number): boolean => v > 0;

/**
 * MaskIntensity on one image: multiplies each voxel by 1 where `selectFn(mask)` holds, else by 0.
 * As in MONAI the mask is first cast to the image's dtype; a single-channel mask applies to every
 * channel. The dtype is kept.
 */
export function maskIntensity(
  img: MetaImage,
  mask: MaskData,
  selectFn: (value: number) => boolean = isPositive,
): MetaImage {
  const mshape = mask.shape;
  const spatial = img.shape.slice(1);
  if (mshape.length !== img.shape.length || mshape.slice(1).some((s, i) => s !== spatial[i]))
    throw new TransformError(
      'MaskIntensity',
      undefined,
      `mask shape [${mshape.join(', ')}] does not match the image's spatial shape [${img.shape.join(', ')}]`,
    );
  const mc = mshape[0] as number;
  if (mc !== 1 && mc !== img.numChannels)
    throw new TransformError(
      'MaskIntensity',
      undefined,
      `when the mask is not single channel its channels must match the image: image has ${img.numChannels}, mask ${mc}`,
    );
  const m = castArray(mask.data, img.dtype);
  const per = spatial.reduce((a, b) => a * b, 1);
  const out = allocArray(img.dtype, img.size);
  for (let c = 0; c < img.numChannels; c++) {
    const mo = mc === 1 ? 0 : c * per;
    const io = c * per;
    for (let i = 0; i < per; i++)
      out[io + i] = (img.data[io + i] as number) * (selectFn(m[mo + i] as number) ? 1 : 0);
  }
  return img.clone({ data: out, dtype: img.dtype });
}

function checkMask(name: string, m: unknown): void {
  if (m === null || m === undefined) return;
  if (MetaImage.isMetaImage(m)) return;
  const o = m as { data?: unknown; shape?: unknown };
  if (typeof o !== 'object' || !ArrayBuffer.isView(o.data) || !Array.isArray(o.shape))
    throw new TransformError(
      name,
      undefined,
      'maskData must be a MetaImage or { data: TypedArray, shape: number[] }',
    );
}

/**
 * Keeps the intensities where a mask is selected and zeroes the rest (MONAI `MaskIntensity`).
 *
 * @example
 * await new MaskIntensity({ maskData: brainMask }).apply(img);
 */
export class MaskIntensity extends ImageTransform<MaskIntensityOptions> {
  constructor(options: MaskIntensityOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkMask('MaskIntensity', options.maskData);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    const o = this.options;
    if (!o.maskData)
      throw new TransformError(
        this.name,
        undefined,
        'no maskData: give it to the constructor (or use MaskIntensityd with maskKey)',
      );
    return maskIntensity(img, o.maskData, o.selectFn);
  }
}

/** Options of {@link MaskIntensityd}. */
export interface MaskIntensitydOptions extends MapTransformOptions, MaskIntensityOptions {
  /** Key of the item holding the mask image (used instead of `maskData`). */
  maskKey?: string | null;
}

/** Dictionary twin of {@link MaskIntensity}: the mask comes from `maskData` or the item's `maskKey`. */
export class MaskIntensityd extends ImageMapTransform<MaskIntensitydOptions> {
  constructor(options: MaskIntensitydOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkMask('MaskIntensityd', options.maskData);
    if (!options.maskData && !options.maskKey)
      throw new TransformError(
        'MaskIntensityd',
        undefined,
        'give maskData or maskKey (the key of the mask image)',
      );
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, d: DataItem): MetaImage {
    const o = this.options;
    let mask: MaskData | null | undefined = o.maskData;
    if (o.maskKey) {
      const m = d[o.maskKey];
      if (m === undefined)
        throw new TransformError(
          this.name,
          undefined,
          `mask key '${o.maskKey}' is missing from the data item`,
        );
      if (!MetaImage.isMetaImage(m))
        throw new TransformError(
          this.name,
          undefined,
          `mask key '${o.maskKey}' does not hold a MetaImage (load it first)`,
        );
      mask = m;
    }
    return maskIntensity(img, mask as MaskData, o.selectFn);
  }
}
