import { TransformError } from '../../src/errors.js';
import { type AffineMatrix, affineFromRows, affineToRows } from '../../src/image/affine.js';
import { type MetaImage, shapeSize, stridesOf } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';

/** Options of {@link SplitDim}. */
export interface SplitDimOptions {
  /** Axis to split (channel axis 0 included; default -1, the last). */
  dim?: number;
  /** Keep the split axis with size 1 (default true). */
  keepdim?: boolean;
  /** Shift each part's affine origin to its position along a spatial `dim` (default true). */
  updateMeta?: boolean;
}

/**
 * MONAI `SplitDim`: one image per index along `dim`. With `updateMeta` and a spatial `dim`, part `i`'s
 * affine is `affine @ shift(dim - 1, i)` (MONAI's row `dim - 1`, negative counted from the end).
 */
export function splitDim(img: MetaImage, options: SplitDimOptions = {}, where = 'SplitDim'): MetaImage[] {
  const dim = options.dim ?? -1;
  const rank = img.shape.length;
  const axis = dim < 0 ? dim + rank : dim;
  if (!Number.isInteger(dim) || axis < 0 || axis >= rank)
    fail(where, `dim ${dim} is out of range for shape [${img.shape.join(', ')}]`);
  const n = img.shape[axis] as number;
  const partShape = img.shape.map((s, a) => (a === axis ? 1 : s));
  const outer = shapeSize(img.shape.slice(0, axis));
  const inner = stridesOf(img.shape)[axis] as number;
  const out: MetaImage[] = [];
  for (let i = 0; i < n; i++) {
    const data = new (img.data.constructor as new (len: number) => MetaImage['data'])(shapeSize(partShape));
    for (let o = 0; o < outer; o++)
      data.set(img.data.subarray((o * n + i) * inner, (o * n + i + 1) * inner), o * inner);
    const shape = options.keepdim === false ? partShape.filter((_, a) => a !== axis) : partShape;
    let affine: AffineMatrix = img.affine.slice();
    if ((options.updateMeta ?? true) && dim !== 0) {
      const rows = affineToRows(affine);
      const row = dim > 0 ? dim - 1 : rows.length + dim - 1;
      const shifted = rows.map((r) => r.slice());
      // affine @ shift: adds i times column `row` to the translation column
      for (const r of shifted) r[rows.length - 1] = (r[rows.length - 1] as number) + i * (r[row] as number);
      affine = affineFromRows(shifted);
    }
    out.push(img.clone({ data, shape, affine, dtype: img.dtype }));
  }
  return out;
}

/**
 * Splits an image along one axis (MONAI `SplitDim`), e.g. a one-hot label into one image per class.
 *
 * @example
 * const [c0, c1] = await new SplitDim({ dim: 0 }).apply(twoChannel);
 */
export class SplitDim extends Transform<MetaImage, MetaImage[], SplitDimOptions> {
  constructor(options: SplitDimOptions = {}) {
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage[]> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => splitDim(image, this.options, this.name));
  }
}

/** Options of {@link SplitDimd} (MONAI default `dim` 0 here). */
export interface SplitDimdOptions extends MapTransformOptions, SplitDimOptions {
  /** Postfixes of the new keys `${key}_${postfix}` (default 0, 1, ...). */
  outputPostfixes?: readonly (string | number)[] | null;
}

/**
 * Dictionary twin of {@link SplitDim}: writes `${key}_0`, `${key}_1`, ... (the key itself stays).
 *
 * @example
 * new SplitDimd({ keys: 'label' }) // label (C, ...) → label_0 ... label_{C-1}, each (1, ...)
 */
export class SplitDimd extends MapTransform<DataItem, SplitDimdOptions> {
  constructor(options: SplitDimdOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const o = this.options;
    for (const key of this.keyIterator(d)) {
      const parts = withKey(this.name, key, () =>
        splitDim(requireImage(d[key], this.name, key), { ...o, dim: o.dim ?? 0 }, this.name),
      );
      const postfixes = o.outputPostfixes ?? parts.map((_, i) => i);
      if (postfixes.length < parts.length)
        throw new TransformError(
          this.name,
          key,
          `outputPostfixes has ${postfixes.length} entries for ${parts.length} parts`,
        );
      parts.forEach((p, i) => {
        const k = `${key}_${postfixes[i] as string | number}`;
        if (k in d) throw new TransformError(this.name, key, `the data item already has a key '${k}'`);
        d[k] = p;
      });
    }
    return d;
  }
}
