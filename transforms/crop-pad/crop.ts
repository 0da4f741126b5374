import type { MetaImage } from '../../src/image/meta-image.js';
import { markInvertible, popOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import { cropImage, invertCrop } from './crop-image.js';
import type { CropSlice } from './slices.js';

/**
 * Base of the crop transforms (MONAI `Crop`): subclasses compute the slices from the spatial shape;
 * the operation is traced under the class name and inverted by padding zeros back.
 */
export abstract class CropTransform<Opts extends object = object> extends Transform<
  MetaImage,
  MetaImage,
  Opts
> {
  constructor(options?: Opts) {
    super(options);
    markInvertible(this);
  }

  /** The crop slices, one per spatial axis. */
  abstract computeSlices(spatialShape: readonly number[]): CropSlice[];

  /** Crops one image. */
  cropOne(img: MetaImage): MetaImage {
    return cropImage(img, this.computeSlices(img.spatialShape), this.name);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.cropOne(requireImage(img, this.name)));
  }

  /** Undoes the crop recorded by this transform (pads zeros back, as MONAI). */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertCropOf(requireImage(img, this.name), this.name));
  }
}

/** Pops the last operation (which must be `className`'s) and pads the cropped margins back with zeros. */
export function invertCropOf(img: MetaImage, className: string, key?: string): MetaImage {
  const out = img.shallowClone();
  const op = popOperation(out, className, key);
  return invertCrop(out, op);
}

/** Base of the dictionary crop transforms (MONAI `Cropd`): crops each key with the wrapped cropper; invertible. */
export class Cropd<Opts extends MapTransformOptions = MapTransformOptions> extends MapTransform<
  DataItem,
  Opts
> {
  readonly cropper: CropTransform;

  constructor(options: Opts, cropper: CropTransform) {
    super(options);
    markInvertible(this);
    this.cropper = cropper;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => this.cropper.cropOne(requireImage(d[key], this.name, key)));
    return d;
  }

  /** Pads the cropped margins of each key back with zeros. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        invertCropOf(requireImage(d[key], this.name, key), this.cropper.name, key),
      );
    return d;
  }
}
