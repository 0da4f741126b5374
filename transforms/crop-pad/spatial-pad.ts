import type { MapTransformOptions } from '../map-transform.js';
import { fail } from '../keyed-errors.js';
import type { PadMode } from './pad-array.js';
import { type PadOptions, PadTransform, Padd } from './pad.js';
import { type IntOrList, fallBackSizes } from './slices.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Where the padding goes: both sides (`symmetric`, the extra voxel after) or after the end (`end`). */
export type PadMethod = 'symmetric' | 'end';

/** Checks a `method` option. */
export function padMethod(method: string | undefined, where: string): PadMethod {
  const m = (method ?? 'symmetric').toLowerCase();
  if (m !== 'symmetric' && m !== 'end')
    return fail(where, `method must be 'symmetric' or 'end', got '${method}'`);
  return m;
}

/**
 * MONAI's `SpatialPad.compute_pad_width`: pads each axis up to `spatialSize` (−1/0: keep the axis),
 * split `⌊w/2⌋` before and the rest after (`symmetric`) or all after (`end`); never crops.
 */
export function computeSpatialPadWidth(
  spatialShape: readonly number[],
  spatialSize: IntOrList,
  method: PadMethod = 'symmetric',
  where = 'SpatialPad',
): [number, number][] {
  const size = fallBackSizes(spatialSize, spatialShape, 'spatialSize', where);
  const out: [number, number][] = [[0, 0]];
  for (let i = 0; i < size.length; i++) {
    const w = Math.max((size[i] as number) - (spatialShape[i] as number), 0);
    out.push(method === 'symmetric' ? [Math.floor(w / 2), w - Math.floor(w / 2)] : [0, w]);
  }
  return out;
}

/** Options of {@link SpatialPad}. */
export interface SpatialPadOptions extends PadOptions {
  /** Spatial size after padding (axes already as large are kept; −1 keeps the axis). */
  spatialSize: IntOrList;
  /** `'symmetric'` (default) or `'end'`. */
  method?: PadMethod;
}

/**
 * Pads to at least `spatialSize` (MONAI `SpatialPad`); invertible.
 *
 * @example
 * const out = await new SpatialPad({ spatialSize: [96, 96, 64], mode: 'edge' }).apply(img);
 */
export class SpatialPad extends PadTransform<SpatialPadOptions> {
  constructor(options: SpatialPadOptions) {
    super(options);
  }

  computePadWidth(spatialShape: readonly number[]): [number, number][] {
    const o = this.options;
    return computeSpatialPadWidth(spatialShape, o.spatialSize, padMethod(o.method, this.name), this.name);
  }
}

/** Dictionary twin of {@link SpatialPad} (`mode` may be one per key). */
export class SpatialPadd extends Padd<
  MapTransformOptions & Omit<SpatialPadOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] }
> {
  constructor(
    options: MapTransformOptions & Omit<SpatialPadOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] },
  ) {
    super(options, new SpatialPad(passOn({ ...checkedOptions(new.target.name, options), mode: undefined })));
  }
}
