import { TransformError } from '../../src/errors.js';
import { castArray } from '../../src/image/dtype.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import { checkedFallBackTuple, getRandomPatch, getValidPatchSize } from '../crop-pad/rand-crop-utils.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { describe, minMax } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandCoarseDropout}. */
export interface RandCoarseDropoutOptions extends RandCoarseOptions {
  /** Fill the holes (true, default) or keep the holes and fill everything else. */
  dropoutHoles?: boolean;
  /**
   * Fill value: a number, `[min, max)` for uniform random values, or null (default) for uniform values
   * between the image's min and max.
   */
  fillValue?: number | readonly [number, number] | null;
}

type Box = [number, number][];

function check(name: string, o: RandCoarseDropoutOptions | RandCoarseOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new TransformError(name, undefined, 'options { holes, spatialSize } are required');
  if (!Number.isInteger(o.holes) || o.holes < 1)
    throw new TransformError(name, undefined, `holes must be an integer >= 1, got ${describe(o.holes)}`);
  if (
    o.maxHoles !== undefined &&
    o.maxHoles !== null &&
    (!Number.isInteger(o.maxHoles) || o.maxHoles < o.holes)
  )
    throw new TransformError(
      name,
      undefined,
      `maxHoles must be an integer >= holes, got ${describe(o.maxHoles)}`,
    );
  const fv = 'fillValue' in o ? o.fillValue : undefined;
  if (Array.isArray(fv) && (fv.length !== 2 || !fv.every((v) => typeof v === 'number' && Number.isFinite(v))))
    throw new TransformError(
      name,
      undefined,
      `fillValue must be a number, [min, max] or null, got ${describe(fv)}`,
    );
}

/** Calls `fn(offset)` for every voxel offset of `box` (all channels, C order). */
export function forEachInBox(shape: readonly number[], box: Box, fn: (offset: number) => void): void {
  const strides = stridesOf(shape);
  const lo = [0, ...box.map((b) => b[0])];
  const hi = [shape[0] as number, ...box.map((b) => b[1])];
  if (hi.some((h, i) => h <= (lo[i] as number))) return;
  const pos = [...lo];
  for (;;) {
    let off = 0;
    for (let d = 0; d < pos.length; d++) off += (pos[d] as number) * (strides[d] as number);
    fn(off);
    let d = pos.length - 1;
    for (; d >= 0; d--) {
      pos[d] = (pos[d] as number) + 1;
      if ((pos[d] as number) < (hi[d] as number)) break;
      pos[d] = lo[d] as number;
    }
    if (d < 0) return;
  }
}

/** Options every coarse transform takes (MONAI `RandCoarseTransform`). */
export interface RandCoarseOptions extends RandomizableOptions {
  /** Number of holes (the minimum when `maxHoles` is set); >= 1. */
  holes: number;
  /** Hole size (the minimum when `maxSpatialSize` is set); non-positive values take the image size. */
  spatialSize: number | readonly number[];
  /** Maximum number of holes (drawn with `R.randint(holes, maxHoles + 1)`). */
  maxHoles?: number | null;
  /** Maximum hole size (each hole's size drawn per axis). */
  maxSpatialSize?: number | readonly number[] | null;
}

/**
 * MONAI `RandCoarseTransform`: after `R.rand() < prob`, draws the number of holes
 * (`R.randint(holes, maxHoles + 1)` when `maxHoles` is set) and, for each hole, its size (per axis
 * `R.randint(previous size, max + 1)` when `maxSpatialSize` is set — as MONAI, each hole's minimum is
 * the previous hole's size) and position (`get_random_patch`). Subclasses say what happens in the holes.
 */
export abstract class RandCoarseTransform<
  Opts extends RandCoarseOptions = RandCoarseOptions,
> extends RandImageTransform<Opts> {
  readonly holes: number;
  readonly spatialSize: number | readonly number[];
  readonly maxHoles: number | null;
  readonly maxSpatialSize: number | readonly number[] | null;
  /** The last drawn holes: `[start, stop)` per spatial axis. */
  holeCoords: [number, number][][] = [];

  constructor(options: Opts) {
    checkedOptions(new.target.name, options);
    check(new.target.name, options);
    super(options);
    this.holes = options.holes;
    this.spatialSize = options.spatialSize;
    this.maxHoles = options.maxHoles ?? null;
    this.maxSpatialSize = options.maxSpatialSize ?? null;
  }

  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const imgSize = img.spatialShape;
    let size = checkedFallBackTuple(this.spatialSize, imgSize, 'spatialSize', this.name);
    this.holeCoords = [];
    const n = this.maxHoles === null ? this.holes : this.R.randint(this.holes, this.maxHoles + 1);
    for (let h = 0; h < n; h++) {
      if (this.maxSpatialSize !== null) {
        const max = checkedFallBackTuple(this.maxSpatialSize, imgSize, 'maxSpatialSize', this.name);
        size = imgSize.map((_, i) => this.R.randint(size[i] as number, (max[i] as number) + 1));
      }
      const valid = getValidPatchSize(imgSize, size);
      this.holeCoords.push(getRandomPatch(imgSize, valid, this.R));
    }
  }
}

/**
 * Coarse dropout (MONAI `RandCoarseDropout`): holes drawn as {@link RandCoarseTransform}; the holes (or,
 * with `dropoutHoles: false`, everything else) are filled with `fillValue`; random fill values are drawn
 * when applied, per key, as MONAI does.
 *
 * @example
 * await new RandCoarseDropout({ holes: 5, spatialSize: [8, 8, 4], fillValue: 0, prob: 1 }).apply(img);
 */
export class RandCoarseDropout extends RandCoarseTransform<RandCoarseDropoutOptions> {
  readonly dropoutHoles: boolean;
  readonly fillValue: number | readonly [number, number] | null;

  constructor(options: RandCoarseDropoutOptions) {
    super(options);
    this.dropoutHoles = options.dropoutHoles ?? true;
    this.fillValue = options.fillValue ?? null;
  }

  transformImage(img: MetaImage): MetaImage {
    const src = img.data;
    const fv =
      this.fillValue === null ? ((mm) => [mm.min, mm.max] as [number, number])(minMax(src)) : this.fillValue;
    let out: Float64Array;
    if (this.dropoutHoles) {
      out = Float64Array.from(src as ArrayLike<number>);
      for (const box of this.holeCoords) {
        if (typeof fv === 'number') forEachInBox(img.shape, box, (o) => (out[o] = fv));
        else {
          const count = box.reduce((a, [s, e]) => a * Math.max(0, e - s), img.numChannels);
          const vals = this.R.uniformArray(fv[0], fv[1], count);
          let k = 0;
          forEachInBox(img.shape, box, (o) => (out[o] = vals[k++] as number));
        }
      }
    } else {
      out =
        typeof fv === 'number'
          ? new Float64Array(img.size).fill(fv)
          : this.R.uniformArray(fv[0], fv[1], img.size);
      for (const box of this.holeCoords) forEachInBox(img.shape, box, (o) => (out[o] = src[o] as number));
    }
    return img.clone({ data: castArray(out, img.dtype), dtype: img.dtype });
  }
}

/** Options of {@link RandCoarseDropoutd}. */
export interface RandCoarseDropoutdOptions extends MapTransformOptions, RandCoarseDropoutOptions {}

/** Dictionary twin of {@link RandCoarseDropout}: the same holes for every key (drawn from the first). */
export class RandCoarseDropoutd extends RandImageMapTransform<RandCoarseDropout, RandCoarseDropoutdOptions> {
  constructor(options: RandCoarseDropoutdOptions) {
    checkedOptions(new.target.name, options);
    check('RandCoarseDropoutd', options);
    super(options, new RandCoarseDropout(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
