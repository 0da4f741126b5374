import type { MapTransformOptions } from '../map-transform.js';
import { fail } from '../keyed-errors.js';
import { RandSpatialCrop, RandSpatialCropd } from './rand-spatial-crop.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandScaleCrop}. */
export interface RandScaleCropOptions {
  /** ROI size as a fraction of the image size (the minimum with `randomSize`); one or one per axis. */
  roiScale: number | readonly number[];
  /** Maximum fraction with `randomSize` (default: the whole image). */
  maxRoiScale?: number | readonly number[] | null;
  /** Place the ROI at a random position (default true) or at the centre. */
  randomCenter?: boolean;
  /** Draw the ROI size on each call (default false). */
  randomSize?: boolean;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
}

function scales(v: number | readonly number[], n: number, option: string): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  const fixed = list.length === 1 ? new Array<number>(n).fill(list[0] as number) : list;
  if (fixed.length !== n || !fixed.every((x) => typeof x === 'number' && Number.isFinite(x)))
    fail(
      'RandScaleCrop',
      `${option} must be a number or one number per spatial axis (${n}), got ${JSON.stringify(v)}`,
    );
  return fixed;
}

/**
 * {@link RandSpatialCrop} with the ROI given as a fraction of the image size (MONAI `RandScaleCrop`):
 * `roiSize = ceil(roiScale * size)` per axis. Traced as `RandScaleCrop`; invertible.
 *
 * @example
 * await new RandScaleCrop({ roiScale: 0.6 }).setRandomState(0).apply(img);
 */
export class RandScaleCrop extends RandSpatialCrop<RandScaleCropOptions & { roiSize: number }> {
  private scaledRoi: number[] = [];
  private scaledMax: number[] | null = null;

  constructor(options: RandScaleCropOptions) {
    super(passOn({ ...checkedOptions(new.target.name, options), roiSize: -1 }));
  }

  protected override get roiSize(): number | readonly number[] {
    return this.scaledRoi;
  }

  protected override get maxRoiSize(): number | readonly number[] | null {
    return this.scaledMax;
  }

  override randomize(imgSize: readonly number[]): void {
    const o = this.options;
    const n = imgSize.length;
    this.scaledRoi = scales(o.roiScale, n, 'roiScale').map((r, i) => Math.ceil(r * (imgSize[i] as number)));
    this.scaledMax =
      o.maxRoiScale === undefined || o.maxRoiScale === null
        ? null
        : scales(o.maxRoiScale, n, 'maxRoiScale').map((r, i) => Math.ceil(r * (imgSize[i] as number)));
    super.randomize(imgSize);
  }
}

/** Options of {@link RandScaleCropd}. */
export interface RandScaleCropdOptions extends MapTransformOptions, RandScaleCropOptions {}

/** Dictionary twin of {@link RandScaleCrop}: one ROI (drawn from the first key) for all keys. */
export class RandScaleCropd extends RandSpatialCropd<RandScaleCropdOptions & { roiSize: number }> {
  constructor(options: RandScaleCropdOptions) {
    super(
      passOn({ ...checkedOptions(new.target.name, options), roiSize: -1 }),
      new RandScaleCrop(passOn(checkedOptions(new.target.name, options))),
    );
  }
}
