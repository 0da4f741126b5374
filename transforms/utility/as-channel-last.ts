import { allocArray } from '../../src/image/dtype.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import { stridedCopy } from '../../src/image/strided.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';

/** Options of {@link AsChannelLast}. */
export interface AsChannelLastOptions {
  /** The current channel axis (default 0). */
  channelDim?: number;
}

/** Moves axis `channelDim` of `img` to the end (MONAI `moveaxis(img, channelDim, -1)`); meta and affine unchanged. */
export function asChannelLast(img: MetaImage, channelDim = 0, where = 'AsChannelLast'): MetaImage {
  const n = img.shape.length;
  if (!Number.isInteger(channelDim) || channelDim < -n || channelDim >= n)
    return fail(
      where,
      `channelDim ${String(channelDim)} is out of range for shape [${img.shape.join(', ')}]`,
    );
  const ax = channelDim < 0 ? channelDim + n : channelDim;
  if (ax === n - 1) return img.shallowClone();
  const order = [...Array.from({ length: n }, (_, i) => i).filter((i) => i !== ax), ax];
  const st = stridesOf(img.shape);
  const shape = order.map((i) => img.shape[i] as number);
  const out = allocArray(img.dtype, img.size);
  stridedCopy(
    img.data,
    out,
    shape,
    order.map((i) => st[i] as number),
    0,
  );
  return img.clone({ data: out, shape, dtype: img.dtype });
}

/**
 * Makes the channel axis last (MONAI `AsChannelLast`), e.g. `[C, x, y, z]` → `[x, y, z, C]` for
 * code outside this library's channel-first transforms. The other transforms and the DataLoader's
 * collate assume channel-first images: use the collate's `layout: 'channelsLast'` to get
 * channel-last tensors instead.
 *
 * @example
 * const hwc = await new AsChannelLast().apply(img);
 */
export class AsChannelLast extends Transform<MetaImage, MetaImage, AsChannelLastOptions> {
  constructor(options: AsChannelLastOptions = {}) {
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      asChannelLast(requireImage(img, this.name), this.options.channelDim ?? 0, this.name),
    );
  }
}

/** Dictionary twin of {@link AsChannelLast}. */
export class AsChannelLastd extends MapTransform<DataItem, MapTransformOptions & AsChannelLastOptions> {
  constructor(options: MapTransformOptions & AsChannelLastOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const cd = this.options.channelDim ?? 0;
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        asChannelLast(requireImage(d[key], this.name, key), cd, this.name),
      );
    return d;
  }
}
