import { TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import { allocArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import { histogram, interp } from './histogram.js';
import { dtypeOption } from './intensity-utils.js';

/** Options of {@link HistogramNormalize}. */
export interface HistogramNormalizeOptions {
  /** Number of histogram bins (default 256). */
  numBins?: number;
  /** Output range minimum (default 0). */
  min?: number;
  /** Output range maximum (default 255). */
  max?: number;
  /** Output dtype (default `'float32'`). */
  dtype?: DType;
}

function check(o: HistogramNormalizeOptions, where: string): void {
  const nb = o?.numBins ?? 256;
  if (!Number.isInteger(nb) || nb < 1)
    throw new TransformError(where, undefined, `numBins must be a positive integer, got ${String(nb)}`);
  for (const k of ['min', 'max'] as const)
    if (o[k] !== undefined && !(typeof o[k] === 'number' && Number.isFinite(o[k])))
      throw new TransformError(where, undefined, `${k} must be a finite number`);
  dtypeOption(where, o.dtype);
}

/**
 * MONAI `equalize_hist`: histogram of the (masked) values with bin centres (as `skimage.exposure.histogram`
 * for float input), cumulative counts rescaled to [min, max] in float32, then `np.interp` of every voxel.
 */
export function histogramNormalize(
  img: MetaImage,
  mask: MetaImage | null,
  options: HistogramNormalizeOptions = {},
  where = 'HistogramNormalize',
): MetaImage {
  check(options, where);
  const dtype = dtypeOption(where, options.dtype, 'float32') ?? 'float32';
  let values: ArrayLike<number> = img.data;
  if (mask) {
    if (mask.size !== img.size)
      throw new TransformError(
        where,
        undefined,
        `mask shape [${mask.shape.join(', ')}] differs from the image's [${img.shape.join(', ')}]`,
      );
    const picked: number[] = [];
    for (let i = 0; i < img.size; i++) if ((mask.data[i] as number) !== 0) picked.push(img.data[i] as number);
    values = picked;
  }
  const float32 = img.dtype !== 'float64';
  const { counts, centres } = histogram(values, options.numBins ?? 256, float32);
  const f = Math.fround;
  const cum = new Float64Array(counts.length);
  let acc = 0;
  for (let i = 0; i < counts.length; i++) cum[i] = f((acc += counts[i] as number));
  const lo = cum[0] as number;
  const hi = cum[cum.length - 1] as number;
  const minv = options.min ?? 0;
  const maxv = options.max ?? 255;
  for (let i = 0; i < cum.length; i++)
    cum[i] =
      lo === hi
        ? f((cum[i] as number) * minv)
        : f(f(f(f((cum[i] as number) - lo) / f(hi - lo)) * f(maxv - minv)) + minv);
  const out = allocArray(dtype, img.size);
  for (let i = 0; i < img.size; i++) out[i] = interp(img.data[i] as number, centres, cum);
  return img.clone({ data: out, dtype });
}

/**
 * Histogram equalisation (MONAI `HistogramNormalize`), optionally with the histogram taken inside a mask.
 *
 * @example
 * await new HistogramNormalize({ numBins: 64, min: 0, max: 1 }).apply(img);
 */
export class HistogramNormalize extends Transform<MetaImage, MetaImage, HistogramNormalizeOptions> {
  constructor(options: HistogramNormalizeOptions = {}) {
    check(options, 'HistogramNormalize');
    super(options);
  }

  async apply(img: MetaImage, mask?: MetaImage | null): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () =>
      histogramNormalize(image, mask ?? null, this.options, this.name),
    );
  }
}

/** Options of {@link HistogramNormalized}. */
export interface HistogramNormalizedOptions extends MapTransformOptions, HistogramNormalizeOptions {
  /** Key of a mask (same shape) inside which the histogram is taken. */
  maskKey?: string | null;
}

/** Dictionary twin of {@link HistogramNormalize}. */
export class HistogramNormalized extends MapTransform<DataItem, HistogramNormalizedOptions> {
  constructor(options: HistogramNormalizedOptions) {
    check(options, 'HistogramNormalized');
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const o = this.options;
    const mk = o.maskKey ?? null;
    const mask = mk === null ? null : requireImage(data[mk], this.name, mk);
    return this.mapImages(data, (img) => histogramNormalize(img, mask, o, this.name));
  }
}
