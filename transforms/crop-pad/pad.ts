import type { MetaImage } from '../../src/image/meta-image.js';
import { markInvertible, popOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import type { PadMode, PadValue, PadWidth } from './pad-array.js';
import { invertPad, padImage } from './pad-image.js';

/** Padding options shared by the pad transforms. */
export interface PadOptions {
  /** Padding mode: `constant` (default), `edge`/`replicate`, `reflect`, `symmetric`, `wrap`/`circular`. */
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
  mode?: PadMode;
  /** Fill value for `constant` (MONAI's `value` / numpy's `constant_values`; default 0); per axis allowed. */
  value?: PadValue;
  /** numpy's name for `value`: one value, `[before, after]`, or one pair per axis (channel axis first). */
  constantValues?: PadValue;
}

/**
 * Base of the pad transforms (MONAI `Pad`): subclasses compute the pad width from the spatial shape;
 * the operation is traced under the class name and inverted by cropping.
 */
export abstract class PadTransform<Opts extends PadOptions = PadOptions> extends Transform<
  MetaImage,
  MetaImage,
  Opts
> {
  readonly mode: PadMode;
  readonly value: PadValue;

  constructor(options?: Opts) {
    super(options);
    markInvertible(this);
    this.mode = options?.mode ?? 'constant';
    this.value = options?.value ?? options?.constantValues ?? 0;
  }

  /** Pad width for every axis, the channel axis first (`[[0, 0], [before, after], ...]`). */
  abstract computePadWidth(spatialShape: readonly number[]): [number, number][];

  /** Pads one image with `mode` (default: this transform's mode). */
  padOne(img: MetaImage, mode: PadMode = this.mode): MetaImage {
    return padImage(img, this.computePadWidth(img.spatialShape), {
      mode,
      value: this.value,
      traceClass: this.name,
    });
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.padOne(requireImage(img, this.name)));
  }

  /** Undoes the padding recorded by this transform (crops it away). */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertPadOf(requireImage(img, this.name), this.name));
  }
}

/** Pops the last operation (which must be `className`'s) and crops the recorded padding away. */
export function invertPadOf(img: MetaImage, className: string, key?: string): MetaImage {
  const out = img.shallowClone();
  const op = popOperation(out, className, key);
  return invertPad(out, op);
}

/** Options of {@link Pad}. */
export interface PadArrayOptions extends PadOptions {
  /** Padding of every axis, the channel axis first: `[[0, 0], [before, after], ...]`. */
  toPad: PadWidth;
}

/**
 * Pads by explicit widths, the channel axis included (MONAI `Pad`).
 *
 * @example
 * const out = await new Pad({ toPad: [[0, 0], [2, 2], [0, 3]] }).apply(img2d);
 */
export class Pad extends PadTransform<PadArrayOptions> {
  readonly toPad: PadWidth;

  constructor(options: PadArrayOptions) {
    super(options);
    this.toPad = options.toPad;
  }

  computePadWidth(spatialShape: readonly number[]): [number, number][] {
    return [0, ...spatialShape].map((_, i) => {
      const p = this.toPad[i] ?? [0, 0];
      return [p[0], p[1]];
    });
  }
}

/**
 * Base of the dictionary pad transforms (MONAI `Padd`): pads each key with the wrapped padder and a
 * per-key `mode`; invertible.
 */
export class Padd<
  Opts extends MapTransformOptions & { mode?: PadMode | readonly PadMode[] } = MapTransformOptions & {
    mode?: PadMode | readonly PadMode[];
  },
> extends MapTransform<DataItem, Opts> {
  readonly padder: PadTransform;
  readonly modes: PadMode[];

  constructor(options: Opts, padder: PadTransform) {
    super(options);
    markInvertible(this);
    this.padder = padder;
    this.modes = perKey(options.mode ?? 'constant', this.keys, this.name, 'mode');
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const mode = this.modes[this.keys.indexOf(key)] as PadMode;
      d[key] = withKey(this.name, key, () => this.padder.padOne(requireImage(d[key], this.name, key), mode));
    }
    return d;
  }

  /** Crops away the padding recorded on each key. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        invertPadOf(requireImage(d[key], this.name, key), this.padder.name, key),
      );
    return d;
  }
}
