import { TransformError } from '../../src/errors.js';
import { allocArray } from '../../src/image/dtype.js';
import { MetaImage, stridesOf } from '../../src/image/meta-image.js';
import { stridedCopy } from '../../src/image/strided.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';

/** Options of {@link EnsureChannelFirst}. */
export interface EnsureChannelFirstOptions {
  /** Raise when the channel axis is unknown (MONAI default true); otherwise return the image unchanged. */
  strictCheck?: boolean;
  /** Override `meta.original_channel_dim`: an axis or `'no_channel'`. */
  channelDim?: number | 'no_channel' | null;
}

/** Moves axis `from` of `img` to the front (a new image; meta and trace shared by copy). */
export function moveAxisFirst(img: MetaImage, from: number): MetaImage {
  const n = img.shape.length;
  const ax = from < 0 ? n + from : from;
  if (ax < 0 || ax >= n)
    throw new RangeError(`channel axis ${from} is out of range for shape [${img.shape.join(', ')}]`);
  if (ax === 0) return img.shallowClone();
  const order = [ax, ...Array.from({ length: n }, (_, i) => i).filter((i) => i !== ax)];
  const st = stridesOf(img.shape);
  const out = allocArray(img.dtype, img.size);
  stridedCopy(
    img.data,
    out,
    order.map((i) => img.shape[i] as number),
    order.map((i) => st[i] as number),
    0,
  );
  return img.clone({ data: out, shape: order.map((i) => img.shape[i] as number), dtype: img.dtype });
}

/**
 * MONAI's EnsureChannelFirst on one image: uses `meta.original_channel_dim` (or `channelDim`) to
 * prepend a channel axis (`'no_channel'`) or move the channel axis to the front.
 */
export function ensureChannelFirst(img: MetaImage, options: EnsureChannelFirstOptions = {}): MetaImage {
  let cd = img.meta.original_channel_dim;
  if (options.channelDim !== undefined && options.channelDim !== null) cd = options.channelDim;
  if (cd === undefined) {
    if (options.strictCheck ?? true)
      throw new TransformError(
        'EnsureChannelFirst',
        undefined,
        'unknown original_channel_dim in the image meta; pass channelDim (an axis or "no_channel")',
      );
    return img;
  }
  if (cd === 'no_channel' || (typeof cd === 'number' && Number.isNaN(cd)))
    return img.clone({ data: img.data, shape: [1, ...img.shape], dtype: img.dtype });
  return moveAxisFirst(img, cd);
}

/**
 * Makes the channel axis first (MONAI `EnsureChannelFirst`).
 *
 * @example
 * const img = await new EnsureChannelFirst().apply(loaded); // [x, y, z] → [1, x, y, z]
 */
export class EnsureChannelFirst extends Transform<MetaImage, MetaImage, EnsureChannelFirstOptions> {
  constructor(options: EnsureChannelFirstOptions = {}) {
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return ensureChannelFirst(requireImage(img, this.name), this.options);
  }
}

/** Dictionary twin of {@link EnsureChannelFirst}. */
export class EnsureChannelFirstd extends MapTransform<
  DataItem,
  MapTransformOptions & EnsureChannelFirstOptions
> {
  constructor(options: MapTransformOptions & EnsureChannelFirstOptions) {
    super(options);
  }

  async apply(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = await this.forKey(key, () =>
        ensureChannelFirst(requireImage(d[key], this.name, key), this.options),
      );
    return d;
  }
}
