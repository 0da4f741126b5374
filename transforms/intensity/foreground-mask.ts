import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import { histogram } from './histogram.js';
import { ImageTransform } from './image-transform.js';

/** A channel threshold: a value, or `'otsu'` (skimage `threshold_otsu` of that channel). */
export type ForegroundThreshold = number | 'otsu';

/** Options of {@link ForegroundMask}. */
export interface ForegroundMaskOptions {
  /** Threshold of the R, G and B channels (values `<=` it are foreground), or one per channel name (default `'otsu'`). */
  threshold?: ForegroundThreshold | Partial<Record<'R' | 'G' | 'B', ForegroundThreshold>>;
  /** HSV thresholds: not implemented; only null (MONAI's default) is accepted. */
  hsvThreshold?: null;
  /** Invert the image first (float images: `1 - x`, skimage `invert`; default false). */
  invert?: boolean;
}

/**
 * skimage `threshold_otsu(values, nbins=256)` for float input: numpy histogram with bin centres, the
 * centre maximising the between-class variance (the value itself when all values are equal).
 */
export function thresholdOtsu(values: ArrayLike<number>, nbins = 256, float32 = true): number {
  const first = values[0] as number;
  let same = true;
  for (let i = 1; i < values.length && same; i++) same = values[i] === first;
  if (same) return first;
  const { counts, centres } = histogram(values, nbins, float32);
  const n = counts.length;
  const w1 = new Float64Array(n);
  const m1 = new Float64Array(n);
  const w2 = new Float64Array(n);
  const m2 = new Float64Array(n);
  let cw = 0;
  let cs = 0;
  for (let i = 0; i < n; i++) {
    cw += counts[i] as number;
    cs += (counts[i] as number) * (centres[i] as number);
    w1[i] = cw;
    m1[i] = cs / cw;
  }
  cw = 0;
  cs = 0;
  for (let i = n - 1; i >= 0; i--) {
    cw += counts[i] as number;
    cs += (counts[i] as number) * (centres[i] as number);
    w2[i] = cw;
    m2[i] = cs / cw;
  }
  let best = -Infinity;
  let idx = 0;
  for (let i = 0; i < n - 1; i++) {
    const v = (w1[i] as number) * (w2[i + 1] as number) * ((m1[i] as number) - (m2[i + 1] as number)) ** 2;
    if (v > best) {
      best = v;
      idx = i;
    }
  }
  return centres[idx] as number;
}

function thresholds(o: ForegroundMaskOptions, where: string): (ForegroundThreshold | null)[] {
  if (o?.hsvThreshold !== undefined && o.hsvThreshold !== null)
    throw new TransformError(
      where,
      undefined,
      'hsvThreshold is not implemented: pass null and use threshold (RGB)',
    );
  const t = o?.threshold ?? 'otsu';
  const ok = (v: unknown) => v === 'otsu' || (typeof v === 'number' && Number.isFinite(v));
  if (typeof t === 'object') {
    const out = (['R', 'G', 'B'] as const).map((k) => t[k] ?? null);
    if (!out.every((v) => v === null || ok(v)) || out.every((v) => v === null))
      throw new TransformError(
        where,
        undefined,
        "threshold per channel must be numbers or 'otsu' for at least one of R, G, B",
      );
    return out;
  }
  if (!ok(t))
    throw new TransformError(where, undefined, `threshold must be a number or 'otsu', got ${String(t)}`);
  return [t, t, t];
}

/**
 * MONAI `ForegroundMask` (made for RGB pathology slides): foreground where any of the R, G, B channels is
 * `<=` its threshold (a 1-channel image is the R channel); a threshold of 0 is skipped, as MONAI's
 * `if threshold:`. Returns a 1-channel 0/1 image in the input's dtype.
 */
export function foregroundMask(
  img: MetaImage,
  options: ForegroundMaskOptions = {},
  where = 'ForegroundMask',
): MetaImage {
  const th = thresholds(options, where);
  const per = img.size / img.numChannels;
  const f = img.dtype === 'float64' ? (x: number) => x : Math.fround;
  const mask = new Uint8Array(per);
  for (let c = 0; c < Math.min(3, img.numChannels); c++) {
    let ch: Float64Array = Float64Array.from(img.data.subarray(c * per, (c + 1) * per) as ArrayLike<number>);
    if (options.invert) ch = ch.map((v) => f(1 - v));
    const t = th[c];
    if (t === null || t === undefined) continue;
    const value = t === 'otsu' ? thresholdOtsu(ch, 256, img.dtype !== 'float64') : t;
    if (!value) continue;
    for (let i = 0; i < per; i++) if ((ch[i] as number) <= value) mask[i] = 1;
  }
  const out = img.emptyLike([1, ...img.spatialShape]);
  for (let i = 0; i < per; i++) out.data[i] = mask[i] as number;
  return out;
}

/**
 * Foreground mask by thresholds (MONAI `ForegroundMask`), e.g. tissue of a pathology slide.
 *
 * @example
 * await new ForegroundMask({ threshold: 'otsu', invert: true }).apply(img);
 */
export class ForegroundMask extends ImageTransform<ForegroundMaskOptions> {
  constructor(options: ForegroundMaskOptions = {}) {
    thresholds(options, 'ForegroundMask');
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return foregroundMask(img, this.options, this.name);
  }
}

/** Options of {@link ForegroundMaskd}. */
export interface ForegroundMaskdOptions extends MapTransformOptions, ForegroundMaskOptions {
  /** Write the mask to `newKeyPrefix + key` and keep the image (default null: replace the key). */
  newKeyPrefix?: string | null;
}

/** Dictionary twin of {@link ForegroundMask}. */
export class ForegroundMaskd extends MapTransform<DataItem, ForegroundMaskdOptions> {
  constructor(options: ForegroundMaskdOptions) {
    thresholds(options, 'ForegroundMaskd');
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const o = this.options;
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[(o.newKeyPrefix ?? '') + key] = withKey(this.name, key, () =>
        foregroundMask(requireImage(d[key], this.name, key), o, this.name),
      );
    return d;
  }
}
