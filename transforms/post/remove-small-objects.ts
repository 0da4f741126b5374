import { TransformError } from '../../src/errors.js';
import { affineToSpacing } from '../../src/image/affine.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { labelComponents } from './connected-components.js';

/** Options of {@link RemoveSmallObjects}. */
export interface RemoveSmallObjectsOptions {
  /** Objects smaller than this are removed: voxels, or mm³ with `byMeasure` (default 64). */
  minSize?: number;
  /** Connectivity of binary components, in orthogonal hops over the channel-first array (default 1). */
  connectivity?: number;
  /** Treat each label value as its own object (default true); false works on `> 0` and keeps the values. */
  independentChannels?: boolean;
  /** `minSize` is a volume in mm³ (voxel size from the affine, or `pixdim`) (default false). */
  byMeasure?: boolean;
  /** Voxel size used by `byMeasure` for an image without geometry (MONAI: when not a MetaTensor). */
  pixdim?: number | readonly number[] | null;
}

function check(o: RemoveSmallObjectsOptions, where: string): void {
  const m = o?.minSize ?? 64;
  if (typeof m !== 'number' || !Number.isFinite(m) || m < 0)
    throw new TransformError(where, undefined, `minSize must be a non-negative number, got ${String(m)}`);
  const c = o.connectivity ?? 1;
  if (!Number.isInteger(c) || c < 1)
    throw new TransformError(where, undefined, `connectivity must be a positive integer, got ${String(c)}`);
}

/**
 * MONAI `remove_small_objects` (skimage `morphology.remove_small_objects` on the whole channel-first
 * array): a label map with values > 1 counts each value as one object; binary input (max <= 1, or
 * `independentChannels: false`, which uses `> 0` and multiplies back) is split into connected
 * components with `connectivity`, which also join along the channel axis. Dtype kept.
 */
export function removeSmallObjects(
  img: MetaImage,
  options: RemoveSmallObjectsOptions = {},
  where = 'RemoveSmallObjects',
): MetaImage {
  check(options, where);
  const data = img.data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi || data.length === 0) return img.clone();
  let minSize = options.minSize ?? 64;
  if (options.byMeasure) {
    const sr = img.spatialDims;
    const pd = options.pixdim;
    const pix =
      pd === undefined || pd === null
        ? affineToSpacing(img.affine, sr)
        : typeof pd === 'number'
          ? new Array<number>(sr).fill(pd)
          : [...pd];
    const vol = pix.reduce((a, b) => a * b, 1);
    if (vol === 0)
      throw new TransformError(where, undefined, 'the voxel volume is 0: byMeasure needs a voxel size');
    minSize = Math.ceil(minSize / vol);
  }
  const independent = options.independentChannels ?? true;
  let labels: Int32Array;
  if (!independent || hi <= 1) {
    const mask = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++)
      mask[i] = independent ? (data[i] !== 0 ? 1 : 0) : (data[i] as number) > 0 ? 1 : 0;
    labels = labelComponents(mask, img.shape, options.connectivity ?? 1).labels;
  } else {
    labels = Int32Array.from(data as ArrayLike<number>, (v) => Math.trunc(v));
    if (labels.some((v) => v < 0))
      throw new TransformError(
        where,
        undefined,
        'negative label values are not supported (as skimage): shift the labels first',
      );
  }
  let max = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) > max) max = labels[i] as number;
  const sizes = new Float64Array(max + 1);
  for (let i = 0; i < labels.length; i++)
    sizes[labels[i] as number] = (sizes[labels[i] as number] as number) + 1;
  const out = img.clone();
  for (let i = 0; i < labels.length; i++) {
    const keep = (sizes[labels[i] as number] as number) >= minSize;
    if (!independent) out.data[i] = keep && labels[i] !== 0 ? (data[i] as number) : 0;
    else if (hi <= 1) out.data[i] = keep && labels[i] !== 0 ? 1 : 0;
    else out.data[i] = keep ? (labels[i] as number) : 0;
  }
  return out;
}

/**
 * Removes objects smaller than `minSize` (MONAI `RemoveSmallObjects`).
 *
 * @example
 * await new RemoveSmallObjects({ minSize: 30, connectivity: 1 }).apply(binaryMask);
 */
export class RemoveSmallObjects extends ImageTransform<RemoveSmallObjectsOptions> {
  constructor(options: RemoveSmallObjectsOptions = {}) {
    check(options, 'RemoveSmallObjects');
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return removeSmallObjects(img, this.options, this.name);
  }
}

/** Options of {@link RemoveSmallObjectsd}. */
export interface RemoveSmallObjectsdOptions extends MapTransformOptions, RemoveSmallObjectsOptions {}

/** Dictionary twin of {@link RemoveSmallObjects}. */
export class RemoveSmallObjectsd extends ImageMapTransform<RemoveSmallObjectsdOptions> {
  constructor(options: RemoveSmallObjectsdOptions) {
    check(options, 'RemoveSmallObjectsd');
    super(options);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return removeSmallObjects(img, this.options, this.name);
  }
}
