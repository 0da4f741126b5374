import { TransformError } from '../../src/errors.js';
import { type DType, type NumericArray, allocArray, castArray, dtypeOf } from '../../src/image/dtype.js';
import { MetaImage, shapeSize } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';

const RANGES: [DType, number, number][] = [
  ['uint8', 0, 255],
  ['int8', -128, 127],
  ['int16', -32768, 32767],
  ['uint16', 0, 65535],
  ['int32', -2147483648, 2147483647],
  ['uint32', 0, 4294967295],
];

/**
 * The dtype of a concatenation, as torch promotes: the widest float if any input is a float, else
 * the smallest integer type holding every input's range (bool only with bool). Where torch would
 * need int64 (uint32 with a signed type) the result is float64, exact for every 32-bit integer.
 */
export function promoteDTypes(dtypes: readonly DType[]): DType {
  if (dtypes.length === 0) return 'float32';
  if (dtypes.includes('float64')) return 'float64';
  if (dtypes.includes('float32')) return 'float32';
  if (dtypes.every((d) => d === 'bool')) return 'bool';
  const ranges = dtypes.map((d) =>
    d === 'bool' ? [0, 1] : (RANGES.find((r) => r[0] === d)?.slice(1) as number[]),
  );
  const lo = Math.min(...ranges.map((r) => r[0] as number));
  const hi = Math.max(...ranges.map((r) => r[1] as number));
  for (const [dt, a, b] of RANGES) if (a <= lo && hi <= b) return dt;
  return 'float64';
}

/**
 * Concatenates channel-first images along `dim` (0: channels) as `torch.cat`: other axes must agree;
 * dtypes are promoted ({@link promoteDTypes}); meta, affine and trace come from the first image.
 */
export function concatImages(images: readonly MetaImage[], dim = 0, where = 'ConcatItemsd'): MetaImage {
  const first = images[0];
  if (!first) return fail(where, 'nothing to concatenate');
  const nd = first.shape.length;
  const ax = dim < 0 ? dim + nd : dim;
  if (!Number.isInteger(dim) || ax < 0 || ax >= nd)
    fail(where, `dim ${dim} is out of range for ${nd}-D images`);
  for (const im of images)
    if (im.shape.length !== nd || im.shape.some((s, i) => i !== ax && s !== first.shape[i]))
      fail(
        where,
        `cannot concatenate shapes [${first.shape.join(', ')}] and [${im.shape.join(', ')}] along dim ${dim}: the other axes must match`,
      );
  const dtype = promoteDTypes(images.map((im) => im.dtype));
  const shape = [...first.shape];
  shape[ax] = images.reduce((s, im) => s + (im.shape[ax] as number), 0);
  const out = allocArray(dtype, shapeSize(shape));
  const outer = shapeSize(first.shape.slice(0, ax));
  const datas = images.map((im) => castArray(im.data, dtype));
  const chunks = images.map((im) => shapeSize(im.shape.slice(ax)));
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < datas.length; i++) {
      const c = chunks[i] as number;
      out.set((datas[i] as NumericArray).subarray(o * c, (o + 1) * c), k);
      k += c;
    }
  return first.clone({ data: out, shape, dtype });
}

/** Options of {@link ConcatItemsd}. */
export interface ConcatItemsdOptions extends MapTransformOptions {
  /** Key of the result. */
  name: string;
  /** Axis to concatenate along (default 0, the channel axis). */
  dim?: number;
}

/**
 * Concatenates the images of several keys into `name` (MONAI `ConcatItemsd`), e.g. two MR sequences
 * into a 2-channel image. Typed arrays (flat) concatenate end to end.
 *
 * @example
 * new ConcatItemsd({ keys: ['t1', 't2'], name: 'image', dim: 0 });
 */
export class ConcatItemsd extends MapTransform<DataItem, ConcatItemsdOptions> {
  readonly outName: string;
  readonly dim: number;

  constructor(options: ConcatItemsdOptions) {
    super(options);
    if (typeof options.name !== 'string' || options.name === '')
      throw new TransformError(this.name, undefined, 'name must be the key that receives the concatenation');
    this.outName = options.name;
    this.dim = options.dim ?? 0;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const keys = this.keyIterator(d);
    if (keys.length === 0) return d;
    const values = keys.map((k) => d[k]);
    return withKey(this.name, keys[0], () => {
      if (values.every((v) => MetaImage.isMetaImage(v))) {
        d[this.outName] = concatImages(values as MetaImage[], this.dim, this.name);
        return d;
      }
      if (values.every((v) => ArrayBuffer.isView(v) && !(v instanceof DataView))) {
        const arrays = values as NumericArray[];
        if (this.dim !== 0 && this.dim !== -1)
          fail(this.name, `typed arrays are flat: dim must be 0, got ${this.dim}`);
        const dtype = promoteDTypes(arrays.map((a) => dtypeOf(a)));
        const out = allocArray(
          dtype,
          arrays.reduce((s, a) => s + a.length, 0),
        );
        let k = 0;
        for (const a of arrays) {
          out.set(castArray(a, dtype), k);
          k += a.length;
        }
        d[this.outName] = out;
        return d;
      }
      return fail(
        this.name,
        `all items must be MetaImages (or all typed arrays); keys ${keys.join(', ')} mix types`,
      );
    });
  }
}
