import type { PadMode } from '../crop-pad/pad-array.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { RandomState } from '../../src/random/index.js';
import { markInvertible } from '../invertible.js';
import { type MapTransformOptions, perKey } from '../map-transform.js';
import { replaceLastOperation, unwrapLastOperation } from '../rand-trace.js';
import {
  RandomizableMapTransform,
  RandomizableTransform,
  type RandomizableOptions,
} from '../randomizable.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { type ResizeMode, interpolateMode } from './common.js';
import { asFloat32 } from './rand-spatial-base.js';
import { type ZoomOptions, invertZoom, zoom } from './zoom.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link RandZoom}. */
export interface RandZoomOptions extends RandomizableOptions {
  /** Minimum zoom: one for all axes (isotropic) or one per axis (default 0.9). */
  minZoom?: number | readonly number[];
  /** Maximum zoom, as `minZoom` (default 1.1). */
  maxZoom?: number | readonly number[];
  /** torch interpolate mode (default `'area'`), or spline order 0 (`'nearest-exact'`) / 1 (linear), as MONAI maps them. */
  mode?: ResizeMode;
  /** numpy-style pad mode restoring the size (default `'edge'`). */
  paddingMode?: PadMode;
  /** For linear modes only (default null). */
  alignCorners?: boolean | null;
  /** Compute precision (default `'float32'`). */
  dtype?: string | null;
  /** Pad or crop back to the input size (default true). */
  keepSize?: boolean;
}

function zoomList(
  v: number | readonly number[] | undefined,
  dflt: number,
  where: string,
  option: string,
): number[] {
  const list = v === undefined ? [dflt] : typeof v === 'number' ? [v] : [...v];
  if (list.length === 0 || !list.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0))
    fail(
      where,
      `${option} must be a positive number or a list of positive numbers, got ${JSON.stringify(v)}`,
    );
  return list;
}

/**
 * Random zoom (MONAI `RandZoom`): `R.rand() < prob`, then one `R.uniform(min, max)` per given pair;
 * a single factor is used on every axis, two factors on a 3D image mean (in-plane, depth).
 * Traced as `{class: 'RandZoom', extra_info: <Zoom entry>}`; invertible. Output float32.
 *
 * @example
 * await new RandZoom({ minZoom: 0.8, maxZoom: 1.2, prob: 0.5, mode: 'trilinear' }).apply(img);
 */
export class RandZoom extends RandomizableTransform<MetaImage, MetaImage, RandZoomOptions> {
  readonly minZoom: number[];
  readonly maxZoom: number[];
  /** The last drawn zoom factors (per spatial axis). */
  zoomFactors: number[] = [1];

  constructor(options: RandZoomOptions = {}) {
    checkedOptions(new.target.name, options);
    const name = 'RandZoom';
    const min = zoomList(options.minZoom, 0.9, name, 'minZoom');
    const max = zoomList(options.maxZoom, 1.1, name, 'maxZoom');
    if (min.length !== max.length)
      fail(name, `minZoom and maxZoom must have the same length, got ${min.length} and ${max.length}`);
    interpolateMode(options.mode ?? 'area', name);
    super(options);
    markInvertible(this);
    this.minZoom = min;
    this.maxZoom = max;
  }

  /** Draws the factors for an image with `ndim` dims including the channel (MONAI's `img.ndim`). */
  randomizeFor(img: MetaImage): void {
    super.randomize();
    if (!this.doTransform) return;
    let z = this.minZoom.map((lo, i) => this.R.uniform(lo, this.maxZoom[i] as number));
    const ndim = img.shape.length;
    if (z.length === 1) z = new Array<number>(ndim - 1).fill(z[0] as number);
    else if (z.length === 2 && ndim > 3)
      z = [...new Array<number>(ndim - 2).fill(z[0] as number), z[1] as number];
    this.zoomFactors = z;
  }

  /** Zooms by the last drawn factors (or converts to float32 when not fired); `o` overrides per call. */
  run(img: MetaImage, o: Partial<ZoomOptions> = {}): MetaImage {
    const base = this.options;
    let out: MetaImage;
    if (this.doTransform) {
      out = zoom(
        img,
        {
          zoom: this.zoomFactors,
          keepSize: base.keepSize ?? true,
          mode: o.mode ?? base.mode ?? 'area',
          paddingMode: o.paddingMode ?? base.paddingMode ?? 'edge',
          alignCorners: o.alignCorners !== undefined ? o.alignCorners : (base.alignCorners ?? null),
          dtype: o.dtype !== undefined ? o.dtype : base.dtype === undefined ? 'float32' : base.dtype,
        },
        'Zoom',
        this.name,
      );
    } else out = asFloat32(img);
    replaceLastOperation(out, this.name, this.doTransform);
    return out;
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    this.randomizeFor(image);
    return withKey(this.name, undefined, () => this.run(image));
  }

  /** Undoes one image's zoom (pops the `RandZoom` entry). */
  invertOne(img: MetaImage, key?: string): MetaImage {
    const { img: w, inner } = unwrapLastOperation(img, this.name, key);
    return inner ? invertZoom(w, 'Zoom', key) : w;
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.invertOne(requireImage(img, this.name)));
  }
}

/** Options of {@link RandZoomd}: mode, paddingMode, alignCorners and dtype may be given per key. */
export interface RandZoomdOptions
  extends MapTransformOptions, Omit<RandZoomOptions, 'mode' | 'paddingMode' | 'alignCorners' | 'dtype'> {
  mode?: ResizeMode | readonly ResizeMode[];
  paddingMode?: PadMode | readonly PadMode[];
  alignCorners?: boolean | null | readonly (boolean | null)[];
  dtype?: string | null | readonly (string | null)[];
}

/**
 * Dictionary twin of {@link RandZoom} (MONAI `RandZoomd`): `R.rand() < prob`, then the inner RandZoom
 * (prob 1, same seed) draws from the first key on every call. Traced as `RandZoomd`; invertible.
 *
 * @example
 * new RandZoomd({ keys: ['image', 'label'], minZoom: 0.9, maxZoom: 1.2, prob: 0.5, mode: ['area', 'nearest'] })
 */
export class RandZoomd extends RandomizableMapTransform<DataItem, RandZoomdOptions> {
  readonly randZoom: RandZoom;
  private readonly perKeyOptions: Partial<ZoomOptions>[];

  constructor(options: RandZoomdOptions) {
    super(options);
    markInvertible(this);
    const modes = perKey(options.mode ?? 'area', this.keys, this.name, 'mode');
    modes.forEach((m) => interpolateMode(m, this.name));
    const pads = perKey(options.paddingMode ?? 'edge', this.keys, this.name, 'paddingMode');
    const aligns = perKey(options.alignCorners ?? null, this.keys, this.name, 'alignCorners');
    const dtypes = perKey(
      options.dtype === undefined ? 'float32' : options.dtype,
      this.keys,
      this.name,
      'dtype',
    );
    this.perKeyOptions = this.keys.map((_, i) => ({
      mode: modes[i] as ResizeMode,
      paddingMode: pads[i] as PadMode,
      alignCorners: aligns[i] as boolean | null,
      dtype: dtypes[i] as string | null,
    }));
    const { mode: _m, paddingMode: _p, alignCorners: _a, dtype: _d, keys: _k, ...rest } = options;
    this.randZoom = new RandZoom({ ...rest, prob: 1 });
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    super.setRandomState(seed, state);
    this.randZoom.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const keys = this.keyIterator(d);
    if (keys.length === 0) return d;
    const first = keys[0] as string;
    this.randomize();
    this.randZoom.randomizeFor(requireImage(d[first], this.name, first));
    for (const key of keys)
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        const out = this.doTransform
          ? this.randZoom.run(img, this.perKeyOptions[this.keys.indexOf(key)])
          : asFloat32(img);
        replaceLastOperation(out, this.name, this.doTransform);
        return out;
      });
    return d;
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => {
        const { img: w, inner } = unwrapLastOperation(requireImage(d[key], this.name, key), this.name, key);
        return inner ? this.randZoom.invertOne(w, key) : w;
      });
    return d;
  }
}
