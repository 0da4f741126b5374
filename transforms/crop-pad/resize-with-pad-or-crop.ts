import type { AppliedOperation, MetaImage } from '../../src/image/meta-image.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { cropImage, invertCrop } from './crop-image.js';
import type { PadMode } from './pad-array.js';
import { invertPad, padImage } from './pad-image.js';
import { type IntOrList, centerCropSlices } from './slices.js';
import { type PadMethod, computeSpatialPadWidth, padMethod } from './spatial-pad.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link ResizeWithPadOrCrop}. */
export interface ResizeWithPadOrCropOptions {
  /** Output spatial size (−1 keeps an axis). */
  spatialSize: IntOrList;
  /** Padding placement: `'symmetric'` (default) or `'end'`. */
  method?: PadMethod;
  /** Padding mode (default `'constant'`). */
  mode?: PadMode;
  /** Constant padding value (default 0). */
  value?: number;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
  /** The same as `value`, under numpy's `np.pad` keyword that MONAI passes through (`constant_values`). */
  constantValues?: number;
}

/** `value` and `constantValues` (numpy's name) must agree when both are given. */
function checkFill(o: object, where: string): void {
  const { value, constantValues } = o as ResizeWithPadOrCropOptions;
  if (value !== undefined && constantValues !== undefined && value !== constantValues)
    fail(where, `value (${value}) and constantValues (${constantValues}) disagree: give one of them`);
}

/** The fill value of the options: `value`, else `constantValues`, else 0. */
function fillOf(o: Pick<ResizeWithPadOrCropOptions, 'value' | 'constantValues'>): number {
  return o.value ?? o.constantValues ?? 0;
}

/**
 * MONAI's `ResizeWithPadOrCrop` on one image: centre-crop to `spatialSize`, then pad up to it. One
 * trace entry (`className`) holding `pad_info` (SpatialPad) and `crop_info` (CenterSpatialCrop).
 */
export function resizeWithPadOrCrop(
  img: MetaImage,
  spatialSize: IntOrList,
  options: { method?: PadMethod; mode?: PadMode; value?: number; traceClass?: string } = {},
): MetaImage {
  const cls = options.traceClass ?? 'ResizeWithPadOrCrop';
  const method = padMethod(options.method, cls);
  const cropped = cropImage(img, centerCropSlices(img.spatialShape, spatialSize, cls), 'CenterSpatialCrop');
  const width = computeSpatialPadWidth(cropped.spatialShape, spatialSize, method, cls);
  const out = padImage(cropped, width, {
    mode: options.mode ?? 'constant',
    value: options.value ?? 0,
    traceClass: 'SpatialPad',
  });
  const ops = out.appliedOperations;
  const padInfo = ops[ops.length - 1] as AppliedOperation;
  const cropInfo = ops[ops.length - 2] as AppliedOperation;
  out.appliedOperations = ops.slice(0, -2);
  pushOperation(out, cls, cropInfo.orig_size, { pad_info: padInfo, crop_info: cropInfo });
  return out;
}

/** Undoes {@link resizeWithPadOrCrop}: pops the `className` entry, removes the padding, pads the crop back with zeros. */
export function invertResizeWithPadOrCrop(
  img: MetaImage,
  className = 'ResizeWithPadOrCrop',
  key?: string,
): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const padInfo = op.extra_info.pad_info as AppliedOperation | undefined;
  const cropInfo = op.extra_info.crop_info as AppliedOperation | undefined;
  if (!padInfo || !cropInfo) return fail(className, 'cannot invert: the trace lacks pad_info/crop_info');
  return invertCrop(invertPad(work, padInfo), cropInfo);
}

/**
 * Centre-crops or pads to exactly `spatialSize` (MONAI `ResizeWithPadOrCrop`); invertible.
 *
 * @example
 * const out = await new ResizeWithPadOrCrop({ spatialSize: [96, 96, 64] }).apply(img);
 */
export class ResizeWithPadOrCrop extends Transform<MetaImage, MetaImage, ResizeWithPadOrCropOptions> {
  constructor(options: ResizeWithPadOrCropOptions) {
    checkedOptions(new.target.name, options);
    checkFill(options, 'ResizeWithPadOrCrop');
    super(options);
    markInvertible(this);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const o = this.options;
    return withKey(this.name, undefined, () =>
      resizeWithPadOrCrop(requireImage(img, this.name), o.spatialSize, {
        method: o.method,
        mode: o.mode,
        value: fillOf(o),
        traceClass: this.name,
      }),
    );
  }

  /** Undoes the crop and padding recorded by this transform. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      invertResizeWithPadOrCrop(requireImage(img, this.name), this.name),
    );
  }
}

/** Dictionary twin of {@link ResizeWithPadOrCrop} (`mode` may be one per key). */
export class ResizeWithPadOrCropd extends MapTransform<
  DataItem,
  MapTransformOptions & Omit<ResizeWithPadOrCropOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] }
> {
  readonly modes: PadMode[];

  constructor(
    options: MapTransformOptions &
      Omit<ResizeWithPadOrCropOptions, 'mode'> & { mode?: PadMode | readonly PadMode[] },
  ) {
    checkedOptions(new.target.name, options);
    checkFill(options, 'ResizeWithPadOrCropd');
    super(options);
    markInvertible(this);
    this.modes = perKey(options.mode ?? 'constant', this.keys, this.name, 'mode');
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const o = this.options;
    for (const key of this.keyIterator(d)) {
      const mode = this.modes[this.keys.indexOf(key)] as PadMode;
      d[key] = withKey(this.name, key, () =>
        resizeWithPadOrCrop(requireImage(d[key], this.name, key), o.spatialSize, {
          method: o.method,
          mode,
          value: fillOf(o),
          traceClass: 'ResizeWithPadOrCrop',
        }),
      );
    }
    return d;
  }

  /** Undoes the crop and padding on each key. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        invertResizeWithPadOrCrop(requireImage(d[key], this.name, key), 'ResizeWithPadOrCrop', key),
      );
    return d;
  }
}
