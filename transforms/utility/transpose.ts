import { type MetaImage, shapeSize, stridesOf } from '../../src/image/meta-image.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';

/** Options of {@link Transpose}. */
export interface TransposeOptions {
  /** New order of the axes, channel axis included (numpy `transpose(indices)`); null reverses all axes. */
  indices?: readonly number[] | null;
}

/** numpy `transpose`: the axes of a C-order array reordered as `order`. */
export function transposeArray<A extends MetaImage['data']>(
  data: A,
  shape: readonly number[],
  order: readonly number[],
): A {
  const n = shape.length;
  const outShape = order.map((a) => shape[a] as number);
  const inStrides = stridesOf(shape);
  const srcStride = order.map((a) => inStrides[a] as number);
  const out = new (data.constructor as new (len: number) => A)(shapeSize(shape));
  const idx = new Array<number>(n).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src] as number;
    for (let d = n - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      src += srcStride[d] as number;
      if ((idx[d] as number) < (outShape[d] as number)) break;
      src -= (idx[d] as number) * (srcStride[d] as number);
      idx[d] = 0;
    }
  }
  return out;
}

function resolveOrder(indices: readonly number[] | null | undefined, n: number, where: string): number[] {
  if (indices === null || indices === undefined) return Array.from({ length: n }, (_, i) => n - 1 - i);
  const order = indices.map((a) => (a < 0 ? a + n : a));
  if (order.length !== n || [...order].sort((a, b) => a - b).some((a, i) => a !== i))
    fail(
      where,
      `indices [${indices.join(', ')}] must be a permutation of the ${n} axes (channel axis included)`,
    );
  return order;
}

/**
 * MONAI `Transpose` on a MetaImage: permutes the array only (affine and meta unchanged, as MONAI).
 * With `trace` (the dictionary twin) the operation is recorded after transposing, so it can be undone.
 */
export function transpose(
  img: MetaImage,
  indices: readonly number[] | null | undefined,
  where = 'Transpose',
  trace = false,
): MetaImage {
  const order = resolveOrder(indices, img.shape.length, where);
  const out = img.clone({
    data: transposeArray(img.data, img.shape, order),
    shape: order.map((a) => img.shape[a] as number),
  });
  if (trace) pushOperation(out, 'Transposed', out.spatialShape, { indices: order });
  return out;
}

/**
 * Permutes the axes of an image (MONAI `Transpose`), e.g. `indices: [3, 1, 2, 0]` swaps the channel
 * and last spatial axes. The affine is not changed.
 *
 * @example
 * await new Transpose({ indices: [0, 2, 1] }).apply(img2d); // swap the two spatial axes
 */
export class Transpose extends Transform<MetaImage, MetaImage, TransposeOptions> {
  constructor(options: TransposeOptions = {}) {
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => transpose(image, this.options.indices, this.name));
  }
}

/** Options of {@link Transposed}. */
export interface TransposedOptions extends MapTransformOptions, TransposeOptions {}

/** Dictionary twin of {@link Transpose}; invertible (the inverse applies the inverse permutation). */
export class Transposed extends MapTransform<DataItem, TransposedOptions> {
  constructor(options: TransposedOptions) {
    super(options);
    markInvertible(this);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const o = this.options;
    return this.mapImages(data, (img) => transpose(img, o.indices, this.name, true));
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => {
      const w = img.shallowClone();
      const op = popOperation(w, 'Transposed', key);
      const order = op.extra_info.indices as number[];
      const inv = order.map((_, i) => order.indexOf(i));
      return w.clone({
        data: transposeArray(w.data, w.shape, inv),
        shape: inv.map((a) => w.shape[a] as number),
      });
    });
  }
}
