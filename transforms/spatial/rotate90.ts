import { allocArray, dtypeOf } from '../../src/image/dtype.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import { stridedCopy } from '../../src/image/strided.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { composeImageAffine, createRotate, createTranslate } from './affine-utils.js';
import { resolveSpatialAxes } from './flip.js';
import { matmul, toAffineNd } from '../../src/image/affine.js';

/**
 * torch `rot90` of a channel-first array in the plane of spatial axes `a`, `b` (0-based): `k`
 * quarter turns from `a` towards `b`. Returns the new array and shape.
 */
export function rot90Array<A extends MetaImage['data']>(
  data: A,
  shape: readonly number[],
  k: number,
  a: number,
  b: number,
): { data: A; shape: number[] } {
  const kk = ((k % 4) + 4) % 4;
  const st = stridesOf(shape);
  const A_ = a + 1;
  const B_ = b + 1;
  const outShape = [...shape];
  const strides = [...st];
  let offset = 0;
  const na = shape[A_] as number;
  const nb = shape[B_] as number;
  if (kk === 1) {
    outShape[A_] = nb;
    outShape[B_] = na;
    strides[A_] = -(st[B_] as number);
    offset += (nb - 1) * (st[B_] as number);
    strides[B_] = st[A_] as number;
  } else if (kk === 2) {
    strides[A_] = -(st[A_] as number);
    strides[B_] = -(st[B_] as number);
    offset += (na - 1) * (st[A_] as number) + (nb - 1) * (st[B_] as number);
  } else if (kk === 3) {
    outShape[A_] = nb;
    outShape[B_] = na;
    strides[A_] = st[B_] as number;
    strides[B_] = -(st[A_] as number);
    offset += (na - 1) * (st[A_] as number);
  }
  const out = allocArray(dtypeOf(data), data.length) as A;
  stridedCopy(data, out, outShape, strides, offset);
  return { data: out, shape: outShape };
}

/**
 * MONAI's `Rotate90` on one image: `k` quarter turns in the plane of `spatialAxes` (exact; the
 * affine follows). Records a `Rotate90` trace entry (`axes`, `k`) unless `traceClass` is null.
 */
export function rotate90(
  img: MetaImage,
  k: number,
  spatialAxes: readonly [number, number] | readonly number[] = [0, 1],
  traceClass: string | null = 'Rotate90',
  where = 'Rotate90',
): MetaImage {
  const n = img.spatialDims;
  if (!Number.isInteger(k)) fail(where, `k must be an integer number of quarter turns, got ${k}`);
  if (spatialAxes.length !== 2)
    fail(
      where,
      `spatialAxes must be 2 axes defining the plane of rotation, got ${JSON.stringify(spatialAxes)}`,
    );
  if (n < 2)
    fail(where, `rotating in a plane needs at least 2 spatial dims, got shape [${img.shape.join(', ')}]`);
  const [a, b] = resolveSpatialAxes(spatialAxes, n, where) as [number, number];
  if (a === b) fail(where, `spatialAxes ${JSON.stringify(spatialAxes)} must be two different axes`);
  const kk = ((k % 4) + 4) % 4;
  const { data, shape } = rot90Array(img.data, img.shape, kk, a, b);
  const ori = img.spatialShape;
  const sp = shape.slice(1);
  const r = Math.min(n, 3);
  let affine = img.affine;
  if (a < r && b < r) {
    let xform = createTranslate(
      r,
      sp.slice(0, r).map((d) => -(d - 1) / 2),
    );
    const s = [-1, 2].includes(a + 1 - (b + 1)) ? -1 : 1;
    let rot;
    if (r === 2) rot = createRotate(2, [(s * Math.PI) / 2]);
    else {
      const angle = [0, 0, 0];
      const other = [0, 1, 2].find((x) => x !== a && x !== b) as number;
      angle[other] = (s * Math.PI) / 2;
      rot = createRotate(3, angle);
    }
    for (let i = 0; i < kk; i++) xform = matmul(rot, xform);
    xform = matmul(
      createTranslate(
        r,
        ori.slice(0, r).map((d) => (d - 1) / 2),
      ),
      xform,
    );
    affine = composeImageAffine(img.affine, toAffineNd(r, xform));
  }
  const out = img.clone({ data, shape, dtype: img.dtype, affine });
  if (traceClass !== null) pushOperation(out, traceClass, ori, { axes: [a, b], k: kk });
  return out;
}

/** Undoes a `Rotate90` entry: `4 − k` more quarter turns in the same plane. */
export function invertRotate90(img: MetaImage, className = 'Rotate90', key?: string): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const axes = op.extra_info.axes as number[];
  const k = Number(op.extra_info.k);
  return rotate90(work, 4 - (k % 4), axes, null, className);
}

/** Options of {@link Rotate90}. */
export interface Rotate90Options {
  /** Number of quarter turns (default 1). */
  k?: number;
  /** The two spatial axes of the plane (default `[0, 1]`). */
  spatialAxes?: readonly [number, number] | readonly number[];
}

/**
 * Rotates by multiples of 90° in a plane (MONAI `Rotate90`, torch `rot90`); exact and invertible.
 *
 * @example
 * const r = await new Rotate90({ k: 1, spatialAxes: [0, 1] }).apply(img);
 */
export class Rotate90 extends Transform<MetaImage, MetaImage, Rotate90Options> {
  constructor(options: Rotate90Options = {}) {
    super(options);
    markInvertible(this);
    if ((options.spatialAxes ?? [0, 1]).length !== 2)
      fail(
        this.name,
        `spatialAxes must be 2 axes defining the plane of rotation, got ${JSON.stringify(options.spatialAxes)}`,
      );
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const o = this.options;
    return withKey(this.name, undefined, () =>
      rotate90(requireImage(img, this.name), o.k ?? 1, o.spatialAxes ?? [0, 1], 'Rotate90', this.name),
    );
  }

  /** Rotates back. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertRotate90(requireImage(img, this.name)));
  }
}

/** Dictionary twin of {@link Rotate90}. */
export class Rotate90d extends MapTransform<DataItem, MapTransformOptions & Rotate90Options> {
  constructor(options: MapTransformOptions & Rotate90Options) {
    super(options);
    markInvertible(this);
    if ((options.spatialAxes ?? [0, 1]).length !== 2)
      fail(
        this.name,
        `spatialAxes must be 2 axes defining the plane of rotation, got ${JSON.stringify(options.spatialAxes)}`,
      );
  }

  async apply(data: DataItem): Promise<DataItem> {
    const o = this.options;
    return this.mapImages(data, (img) =>
      rotate90(img, o.k ?? 1, o.spatialAxes ?? [0, 1], 'Rotate90', this.name),
    );
  }

  /** Rotates each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertRotate90(img, 'Rotate90', key));
  }
}
