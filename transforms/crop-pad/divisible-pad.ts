import type { MapTransformOptions } from '../map-transform.js';
import { fail } from '../keyed-errors.js';
import type { PadMode } from './pad-array.js';
import { type PadOptions, PadTransform, Padd } from './pad.js';
import { type IntOrList, formatList } from './slices.js';
import { type PadMethod, computeSpatialPadWidth, padMethod } from './spatial-pad.js';
import { checkedOptions, passOn } from '../option-check.js';

/**
 * MONAI's `compute_divisible_spatial_size`: each axis rounded up to a multiple of `k` (one `k` or one
 * per axis; `k ≤ 0` keeps the axis).
 */
export function computeDivisibleSpatialSize(
  spatialShape: readonly number[],
  k: IntOrList,
  where = 'DivisiblePad',
): number[] {
  const n = spatialShape.length;
  const list =
    typeof k === 'number'
      ? new Array<number>(n).fill(k)
      : Array.isArray(k)
        ? k.length === 1
          ? new Array<number>(n).fill(k[0] as number)
          : [...k]
        : null;
  if (list === null) return fail(where, `k must be a number or a list of numbers, got ${String(k)}`);
  if (list.length !== n) fail(where, `k has ${list.length} values but the image has ${n} spatial dimensions`);
  if (list.some((v) => typeof v !== 'number' || !Number.isInteger(v)))
    fail(where, `k must hold integers, got ${formatList(list)}`);
  return spatialShape.map((s, i) => {
    const kd = list[i] as number;
    return kd > 0 ? Math.ceil(s / kd) * kd : s;
  });
}

/** Options of {@link DivisiblePad}. */
export interface DivisiblePadOptions extends PadOptions {
  /** The divisor: one for all axes or one per axis (≤ 0: leave the axis). */
  k: IntOrList;
  /** `'symmetric'` (default) or `'end'`. */
  method?: PadMethod;
}

/**
 * Pads so every spatial size is a multiple of `k` (MONAI `DivisiblePad`); invertible.
 *
 * @example
 * const out = await new DivisiblePad({ k: 16 }).apply(img); // e.g. for a U-Net
 */
export class DivisiblePad extends PadTransform<DivisiblePadOptions> {
  constructor(options: DivisiblePadOptions) {
    super(options);
  }

  computePadWidth(spatialShape: readonly number[]): [number, number][] {
    const o = this.options;
    const size = computeDivisibleSpatialSize(spatialShape, o.k, this.name);
    return computeSpatialPadWidth(spatialShape, size, padMethod(o.method, this.name), this.name);
  }
}

/** Dictionary twin of {@link DivisiblePad} (`mode` may be one per key). */
export class DivisiblePadd extends Padd<
  MapTransformOptions & Omit<DivisiblePadOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] }
> {
  constructor(
    options: MapTransformOptions &
      Omit<DivisiblePadOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] },
  ) {
    super(
      options,
      new DivisiblePad(passOn({ ...checkedOptions(new.target.name, options), mode: undefined })),
    );
  }
}
