import { type MetaImage, shapeSize } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { fail } from '../keyed-errors.js';

/** Options of {@link LabelToMask}. */
export interface LabelToMaskOptions {
  /** Labels to select (one-hot input: channel indices). */
  selectLabels: number | readonly number[];
  /** OR the selected channels into one (default false). */
  mergeChannels?: boolean;
}

/** The `selectLabels` option as a list; refuses anything but numbers. */
function selectLabels(options: LabelToMaskOptions, where: string): number[] {
  const v = options?.selectLabels;
  const labels = typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as number[])] : [];
  if (labels.length === 0 || !labels.every((l) => typeof l === 'number' && Number.isFinite(l)))
    fail(where, 'selectLabels must be a number or a non-empty list of numbers');
  return labels;
}

/**
 * MONAI `LabelToMask`: a 1-channel label becomes a bool mask of `isin(label, selectLabels)`; a
 * multi-channel (one-hot) label keeps the selected channels (dtype kept); `mergeChannels` ORs the
 * channels into one bool channel.
 */
export function labelToMask(img: MetaImage, options: LabelToMaskOptions, where = 'LabelToMask'): MetaImage {
  const labels = selectLabels(options, where);
  const spatial = shapeSize(img.spatialShape);
  let out: MetaImage;
  if (img.numChannels > 1) {
    for (const l of labels)
      if (!Number.isInteger(l) || l < 0 || l >= img.numChannels)
        fail(where, `selectLabels ${l} is not a channel of this ${img.numChannels}-channel (one-hot) label`);
    const data = new (img.data.constructor as new (len: number) => MetaImage['data'])(
      labels.length * spatial,
    );
    labels.forEach((l, i) => data.set(img.data.subarray(l * spatial, (l + 1) * spatial), i * spatial));
    out = img.clone({ data, shape: [labels.length, ...img.spatialShape], dtype: img.dtype });
  } else {
    const set = new Set(labels);
    const data = new Uint8Array(img.size);
    for (let i = 0; i < img.size; i++) data[i] = set.has(img.data[i] as number) ? 1 : 0;
    out = img.clone({ data, dtype: 'bool' });
  }
  if (!options.mergeChannels) return out;
  const merged = new Uint8Array(spatial);
  for (let c = 0; c < out.numChannels; c++)
    for (let v = 0; v < spatial; v++) if ((out.data[c * spatial + v] as number) !== 0) merged[v] = 1;
  return out.clone({ data: merged, shape: [1, ...img.spatialShape], dtype: 'bool' });
}

/**
 * Makes a mask from selected labels (MONAI `LabelToMask`).
 *
 * @example
 * await new LabelToMask({ selectLabels: [2, 3] }).apply(label); // bool, 1 where label is 2 or 3
 */
export class LabelToMask extends ImageTransform<LabelToMaskOptions> {
  constructor(options: LabelToMaskOptions) {
    super(options);
    selectLabels(options, this.name);
  }

  transformImage(img: MetaImage): MetaImage {
    return labelToMask(img, this.options, this.name);
  }
}

/** Options of {@link LabelToMaskd}. */
export interface LabelToMaskdOptions extends MapTransformOptions, LabelToMaskOptions {}

/** Dictionary twin of {@link LabelToMask}. */
export class LabelToMaskd extends ImageMapTransform<LabelToMaskdOptions> {
  constructor(options: LabelToMaskdOptions) {
    super(options);
    selectLabels(options, this.name);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return labelToMask(img, this.options, this.name);
  }
}
