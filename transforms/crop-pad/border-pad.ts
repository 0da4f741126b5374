import type { MapTransformOptions } from '../map-transform.js';
import { fail } from '../keyed-errors.js';
import type { PadMode } from './pad-array.js';
import { type PadOptions, PadTransform, Padd } from './pad.js';
import { type IntOrList, formatList } from './slices.js';
import { checkedOptions, passOn } from '../option-check.js';

/**
 * MONAI's `BorderPad.compute_pad_width`: `spatialBorder` is one width for every side, one per axis
 * (both sides), or one per side (`[x_before, x_after, y_before, ...]`). Negative widths count as 0,
 * as in MONAI; widths must be integers.
 */
export function computeBorderPadWidth(
  spatialShape: readonly number[],
  spatialBorder: IntOrList,
  where = 'BorderPad',
): [number, number][] {
  const list =
    typeof spatialBorder === 'number'
      ? [spatialBorder]
      : Array.isArray(spatialBorder)
        ? [...spatialBorder]
        : null;
  if (list === null || list.length === 0)
    return fail(where, `spatialBorder must be a number or a list of numbers, got ${String(spatialBorder)}`);
  if (list.some((b) => typeof b !== 'number' || !Number.isInteger(b)))
    fail(where, `spatialBorder must contain only integers, got ${formatList(list)}`);
  const b = list.map((v) => Math.max(0, v));
  const n = spatialShape.length;
  let width: [number, number][];
  if (b.length === 1) width = spatialShape.map(() => [b[0] as number, b[0] as number]);
  else if (b.length === n) width = b.map((v) => [v, v]);
  else if (b.length === 2 * n)
    width = spatialShape.map((_, i) => [b[2 * i] as number, b[2 * i + 1] as number]);
  else
    return fail(
      where,
      `spatialBorder has ${b.length} values; give 1, ${n} (one per axis) or ${2 * n} (one per side) for a ${n}-D image`,
    );
  return [[0, 0], ...width];
}

/** Options of {@link BorderPad}. */
export interface BorderPadOptions extends PadOptions {
  /** Border width: one value, one per axis, or one per side. */
  spatialBorder: IntOrList;
}

/**
 * Adds borders to every spatial axis (MONAI `BorderPad`); invertible.
 *
 * @example
 * const out = await new BorderPad({ spatialBorder: [1, 2, 3, 4] }).apply(img2d); // per side
 */
export class BorderPad extends PadTransform<BorderPadOptions> {
  constructor(options: BorderPadOptions) {
    super(options);
  }

  computePadWidth(spatialShape: readonly number[]): [number, number][] {
    return computeBorderPadWidth(spatialShape, this.options.spatialBorder, this.name);
  }
}

/** Dictionary twin of {@link BorderPad} (`mode` may be one per key). */
export class BorderPadd extends Padd<
  MapTransformOptions & Omit<BorderPadOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] }
> {
  constructor(
    options: MapTransformOptions & Omit<BorderPadOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] },
  ) {
    super(options, new BorderPad(passOn({ ...checkedOptions(new.target.name, options), mode: undefined })));
  }
}
