import type { GridSampleMode, GridSamplePadding } from '../../src/image/resample.js';
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
import { gridPadding, torchGridMode } from './common.js';
import { asFloat32 } from './rand-spatial-base.js';
import { type RotateOptions, invertRotate, rotate } from './rotate.js';
import { checkedOptions } from '../option-check.js';

/** An angle range: `[min, max]` radians, or `x` for `[-x, x]`. */
export type AngleRange = number | readonly [number, number];

/** Options of {@link RandRotate}. */
export interface RandRotateOptions extends RandomizableOptions {
  /** Angle range about the first axis (2D: the only angle). Default 0. */
  rangeX?: AngleRange;
  /** Angle range about the second axis (3D). Default 0. */
  rangeY?: AngleRange;
  /** Angle range about the third axis (3D). Default 0. */
  rangeZ?: AngleRange;
  /** Keep the input size (default true). */
  keepSize?: boolean;
  /** `'bilinear'` (default) or `'nearest'`; spline order `1` is `'bilinear'` (MONAI's `resolves_modes` for Rotate). */
  mode?: GridSampleMode | 1;
  /** `'border'` (default), `'zeros'` or `'reflection'`. */
  paddingMode?: GridSamplePadding;
  /** torch `align_corners` (default false). */
  alignCorners?: boolean;
  /** Compute precision (default `'float32'`). */
  dtype?: string | null;
}

/** MONAI's range option: `ensure_tuple`, and a single value x becomes `sorted([-x, x])`. */
export function angleRange(v: AngleRange | undefined, where: string, option: string): [number, number] {
  const r = v ?? 0;
  if (typeof r === 'number' && Number.isFinite(r)) return [Math.min(-r, r), Math.max(-r, r)];
  if (Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return [r[0], r[1]];
  if (Array.isArray(r) && r.length === 1 && typeof r[0] === 'number' && Number.isFinite(r[0]))
    return [Math.min(-r[0], r[0]), Math.max(-r[0], r[0])];
  return fail(where, `${option} must be a number or [min, max], got ${JSON.stringify(v)}`);
}

/**
 * Random rotation (MONAI `RandRotate`): `R.rand() < prob`, then (when it fires) three angles
 * `R.uniform(rangeX)`, `R.uniform(rangeY)`, `R.uniform(rangeZ)` (always three); 2D images use the
 * first. Traced as `{class: 'RandRotate', extra_info: <Rotate entry>}`; invertible. Output float32.
 *
 * @example
 * await new RandRotate({ rangeX: Math.PI / 12, prob: 0.5, paddingMode: 'zeros' }).apply(img);
 */
export class RandRotate extends RandomizableTransform<MetaImage, MetaImage, RandRotateOptions> {
  readonly rangeX: [number, number];
  readonly rangeY: [number, number];
  readonly rangeZ: [number, number];
  /** The last drawn angles. */
  x = 0;
  y = 0;
  z = 0;

  constructor(options: RandRotateOptions = {}) {
    checkedOptions(new.target.name, options);
    const name = 'RandRotate';
    const rx = angleRange(options.rangeX, name, 'rangeX');
    const ry = angleRange(options.rangeY, name, 'rangeY');
    const rz = angleRange(options.rangeZ, name, 'rangeZ');
    torchGridMode(options.mode ?? 'bilinear', name);
    gridPadding(options.paddingMode ?? 'border', name);
    super(options);
    markInvertible(this);
    this.rangeX = rx;
    this.rangeY = ry;
    this.rangeZ = rz;
  }

  override randomize(): void {
    super.randomize();
    if (!this.doTransform) return;
    this.x = this.R.uniform(this.rangeX[0], this.rangeX[1]);
    this.y = this.R.uniform(this.rangeY[0], this.rangeY[1]);
    this.z = this.R.uniform(this.rangeZ[0], this.rangeZ[1]);
  }

  /** Rotates by the last drawn angles (or converts to float32 when not fired); `o` overrides per call. */
  run(img: MetaImage, o: Partial<RotateOptions> = {}): MetaImage {
    const base = this.options;
    let out: MetaImage;
    if (this.doTransform) {
      const angle = img.spatialDims === 2 ? this.x : [this.x, this.y, this.z];
      out = rotate(
        img,
        {
          angle,
          keepSize: base.keepSize ?? true,
          mode: o.mode ?? base.mode ?? 'bilinear',
          paddingMode: o.paddingMode ?? base.paddingMode ?? 'border',
          alignCorners: o.alignCorners ?? base.alignCorners ?? false,
          dtype: o.dtype !== undefined ? o.dtype : base.dtype === undefined ? 'float32' : base.dtype,
        },
        'Rotate',
        this.name,
      );
    } else out = asFloat32(img);
    replaceLastOperation(out, this.name, this.doTransform);
    return out;
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    this.randomize();
    return withKey(this.name, undefined, () => this.run(image));
  }

  /** Undoes one image's rotation (pops the `RandRotate` entry). */
  invertOne(img: MetaImage, key?: string): MetaImage {
    const { img: w, inner } = unwrapLastOperation(img, this.name, key);
    return inner ? invertRotate(w, 'Rotate', key) : w;
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.invertOne(requireImage(img, this.name)));
  }
}

/** Options of {@link RandRotated}: mode, paddingMode, alignCorners and dtype may be given per key. */
export interface RandRotatedOptions
  extends MapTransformOptions, Omit<RandRotateOptions, 'mode' | 'paddingMode' | 'alignCorners' | 'dtype'> {
  mode?: GridSampleMode | 1 | readonly (GridSampleMode | 1)[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
  alignCorners?: boolean | readonly boolean[];
  dtype?: string | null | readonly (string | null)[];
}

/**
 * Dictionary twin of {@link RandRotate} (MONAI `RandRotated`): `R.rand() < prob`, then the inner
 * RandRotate (prob 1, same seed) draws its `rand()` and angles on every call — also when the
 * dictionary transform does not fire, as in MONAI. Traced as `RandRotated`; invertible.
 *
 * @example
 * new RandRotated({ keys: ['image', 'label'], rangeX: 0.3, prob: 0.5, mode: ['bilinear', 'nearest'] })
 */
export class RandRotated extends RandomizableMapTransform<DataItem, RandRotatedOptions> {
  readonly randRotate: RandRotate;
  private readonly perKeyOptions: Partial<RotateOptions>[];

  constructor(options: RandRotatedOptions) {
    super(options);
    markInvertible(this);
    const modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode');
    const pads = perKey(options.paddingMode ?? 'border', this.keys, this.name, 'paddingMode');
    modes.forEach((m) => torchGridMode(m, this.name));
    pads.forEach((p) => gridPadding(p, this.name));
    const aligns = perKey(options.alignCorners ?? false, this.keys, this.name, 'alignCorners');
    const dtypes = perKey(
      options.dtype === undefined ? 'float32' : options.dtype,
      this.keys,
      this.name,
      'dtype',
    );
    this.perKeyOptions = this.keys.map((_, i) => ({
      mode: modes[i] as GridSampleMode,
      paddingMode: pads[i] as GridSamplePadding,
      alignCorners: aligns[i] as boolean,
      dtype: dtypes[i] as string | null,
    }));
    const { mode: _m, paddingMode: _p, alignCorners: _a, dtype: _d, keys: _k, ...rest } = options;
    this.randRotate = new RandRotate({ ...rest, prob: 1 });
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    super.setRandomState(seed, state);
    this.randRotate.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    this.randomize();
    this.randRotate.randomize();
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        const out = this.doTransform
          ? this.randRotate.run(img, this.perKeyOptions[this.keys.indexOf(key)])
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
        return inner ? this.randRotate.invertOne(w, key) : w;
      });
    return d;
  }
}
