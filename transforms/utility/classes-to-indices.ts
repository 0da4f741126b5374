import type { MetaImage } from '../../src/image/meta-image.js';
import { mapClassesToIndices } from '../crop-pad/rand-crop-utils.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { type Indices, unravelIndices } from './fg-bg-to-indices.js';

/** Options of {@link ClassesToIndices}. */
export interface ClassesToIndicesOptions {
  /** Number of classes of a 1-channel (argmax) label; a one-hot label uses its channels. */
  numClasses?: number | null;
  /** Only voxels where any image channel is `> imageThreshold` count (when an image is given; default 0). */
  imageThreshold?: number;
  /** Keep at most this many indices per class: `round(linspace(0, n - 1, max))` (deterministic). */
  maxSamplesPerClass?: number | null;
  /** Return coordinates in this shape instead of flat indices. */
  outputShape?: readonly number[] | null;
}

/** {@link mapClassesToIndices} with the options of {@link ClassesToIndices}. */
export function classesToIndices(
  label: MetaImage,
  image: MetaImage | null,
  o: ClassesToIndicesOptions,
  where = 'ClassesToIndices',
): Indices[] {
  const t = o.imageThreshold ?? 0;
  if (typeof t !== 'number' || Number.isNaN(t))
    fail(where, `imageThreshold must be a number, got ${String(t)}`);
  const idx = withKey(where, undefined, () =>
    mapClassesToIndices(label, o.numClasses ?? null, image, t, o.maxSamplesPerClass ?? null),
  );
  const os = o.outputShape;
  return os === undefined || os === null ? idx : idx.map((i) => unravelIndices(i, os));
}

/**
 * The voxel indices of each class of a label (MONAI `ClassesToIndices`), e.g. to cache them before
 * `RandCropByLabelClassesd`. Flat C-order spatial indices as Int32Array (MONAI: int64).
 *
 * @example
 * const perClass = await new ClassesToIndices({ numClasses: 3 }).apply(label); // [bg, class 1, class 2]
 */
export class ClassesToIndices extends Transform<MetaImage, Indices[], ClassesToIndicesOptions> {
  constructor(options: ClassesToIndicesOptions = {}) {
    super(options);
  }

  async apply(label: MetaImage, image?: MetaImage | null): Promise<Indices[]> {
    const l = requireImage(label, this.name);
    return classesToIndices(l, image ?? null, this.options, this.name);
  }
}

/** Options of {@link ClassesToIndicesd}. */
export interface ClassesToIndicesdOptions extends MapTransformOptions, ClassesToIndicesOptions {
  /** Suffix of the output key (default `'_cls_indices'`). */
  indicesPostfix?: string;
  /** Key of the image that restricts every class (`image > imageThreshold`). */
  imageKey?: string | null;
}

/**
 * Dictionary twin of {@link ClassesToIndices}: writes a list of index arrays to `key + indicesPostfix`.
 *
 * @example
 * new ClassesToIndicesd({ keys: 'label', numClasses: 4 }) // → label_cls_indices
 */
export class ClassesToIndicesd extends MapTransform<DataItem, ClassesToIndicesdOptions> {
  constructor(options: ClassesToIndicesdOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const o = this.options;
    let image: MetaImage | null = null;
    if (o.imageKey !== undefined && o.imageKey !== null) {
      if (!(o.imageKey in d)) fail(this.name, `imageKey '${o.imageKey}' is missing from the data item`);
      image = requireImage(d[o.imageKey], this.name, o.imageKey);
    }
    for (const key of this.keyIterator(d))
      d[key + (o.indicesPostfix ?? '_cls_indices')] = withKey(this.name, key, () =>
        classesToIndices(requireImage(d[key], this.name, key), image, o, this.name),
      );
    return d;
  }
}
