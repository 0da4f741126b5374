import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { fail } from '../keyed-errors.js';

/** Options of {@link LabelFilter}. */
export interface LabelFilterOptions {
  /** Label values to keep; every other voxel becomes 0. */
  appliedLabels: number | readonly number[];
}

function labelsOf(o: LabelFilterOptions, where: string): Set<number> {
  const v = o?.appliedLabels;
  const list = typeof v === 'number' ? [v] : Array.isArray(v) ? (v as number[]) : [];
  if (list.length === 0 || !list.every((x) => typeof x === 'number' && Number.isFinite(x)))
    fail(where, 'appliedLabels must be a number or a non-empty list of numbers');
  return new Set(list);
}

/** MONAI `LabelFilter`: keeps the voxels whose value is in `appliedLabels` (others 0); dtype kept. */
export function labelFilter(img: MetaImage, options: LabelFilterOptions, where = 'LabelFilter'): MetaImage {
  const keep = labelsOf(options, where);
  const out = img.clone();
  for (let i = 0; i < out.data.length; i++) if (!keep.has(out.data[i] as number)) out.data[i] = 0;
  return out;
}

/**
 * Keeps only some labels of a label map (MONAI `LabelFilter`).
 *
 * @example
 * await new LabelFilter({ appliedLabels: [1, 2] }).apply(label); // 3 and up → 0
 */
export class LabelFilter extends ImageTransform<LabelFilterOptions> {
  constructor(options: LabelFilterOptions) {
    super(options);
    labelsOf(options, this.name);
  }

  transformImage(img: MetaImage): MetaImage {
    return labelFilter(img, this.options, this.name);
  }
}

/** Options of {@link LabelFilterd}. */
export interface LabelFilterdOptions extends MapTransformOptions, LabelFilterOptions {}

/** Dictionary twin of {@link LabelFilter}. */
export class LabelFilterd extends ImageMapTransform<LabelFilterdOptions> {
  constructor(options: LabelFilterdOptions) {
    super(options);
    labelsOf(options, this.name);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return labelFilter(img, this.options, this.name);
  }
}
