/**
 * Test-only random transforms (until the real RandSpatialCropd & co. land): a random offset added to
 * the image, a random crop, and a multi-sample random crop returning a list.
 */
import { MetaImage, stridesOf } from '../../../src/image/meta-image.js';
import { allocArray } from '../../../src/image/dtype.js';
import { stridedCopy } from '../../../src/image/strided.js';
import type { MapTransformOptions } from '../../../transforms/map-transform.js';
import { RandomizableMapTransform, type RandomizableOptions } from '../../../transforms/randomizable.js';
import { Transform, requireImage, type DataItem } from '../../../transforms/transform.js';

/** Adds one random offset in [-range, range) to every voxel of the keys (prob 1 by default). */
export class RandOffsetd extends RandomizableMapTransform {
  offset = 0;
  readonly range: number;
  constructor(options: MapTransformOptions & RandomizableOptions & { range?: number }) {
    super({ prob: 1, ...options });
    this.range = options.range ?? 10;
  }
  override randomize(): void {
    super.randomize();
    this.offset = this.R.uniform(-this.range, this.range);
  }
  async apply(data: DataItem): Promise<DataItem> {
    this.randomize();
    const d = { ...data };
    if (!this.doTransform) return d;
    for (const key of this.keyIterator(d)) {
      const img = requireImage(d[key], this.name, key);
      const out = new Float32Array(img.size);
      for (let i = 0; i < out.length; i++) out[i] = (img.data[i] as number) + this.offset;
      d[key] = img.clone({ data: out, dtype: 'float32' });
    }
    return d;
  }
}

function crop(img: MetaImage, start: number[], roi: number[]): MetaImage {
  const st = stridesOf(img.shape);
  const shape = [img.shape[0] as number, ...roi];
  let offset = 0;
  start.forEach((s, i) => (offset += s * (st[i + 1] as number)));
  const out = allocArray(
    img.dtype,
    shape.reduce((a, b) => a * b, 1),
  );
  stridedCopy(img.data, out, shape, st, offset);
  const affine = img.affine.slice();
  for (let r = 0; r < 3; r++) {
    let t = affine[r * 4 + 3] as number;
    start.forEach((s, c) => (t += (affine[r * 4 + c] as number) * s));
    affine[r * 4 + 3] = t;
  }
  return img.clone({ data: out, shape, dtype: img.dtype, affine });
}

/** Crops `roiSize` at a random position (one draw for all keys). */
export class RandCropd extends RandomizableMapTransform {
  readonly roiSize: number[];
  start: number[] = [];
  constructor(options: MapTransformOptions & { roiSize: number[] }) {
    super({ prob: 1, ...options });
    this.roiSize = options.roiSize;
  }
  override randomize(shape: number[] = []): void {
    super.randomize();
    this.start = shape.map((n, i) => this.R.randint(0, n - (this.roiSize[i] as number) + 1));
  }
  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const keys = this.keyIterator(d);
    const first = requireImage(d[keys[0] as string], this.name, keys[0]);
    this.randomize(first.spatialShape);
    for (const key of keys) d[key] = crop(requireImage(d[key], this.name, key), this.start, this.roiSize);
    return d;
  }
}

/** Returns `numSamples` random crops (a list, as MONAI's RandSpatialCropSamplesd). */
export class RandCropSamplesd extends RandomizableMapTransform<DataItem[]> {
  readonly cropper: RandCropd;
  readonly numSamples: number;
  constructor(options: MapTransformOptions & { roiSize: number[]; numSamples: number }) {
    super({ prob: 1, ...options });
    this.numSamples = options.numSamples;
    this.cropper = new RandCropd(options);
  }
  override setRandomState(seed?: number, state?: import('../../../src/random/index.js').RandomState): this {
    super.setRandomState(seed, state);
    this.cropper.setRandomState(seed, state);
    return this;
  }
  async apply(data: DataItem): Promise<DataItem[]> {
    const out: DataItem[] = [];
    for (let i = 0; i < this.numSamples; i++) out.push({ ...(await this.cropper.apply(data)), sample: i });
    return out;
  }
}

/** Deterministic: multiplies the image by `factor` (a cheap cached step). */
export class Scaled extends Transform<DataItem> {
  constructor(readonly opts: { keys: string[]; factor: number }) {
    super(opts);
  }
  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.opts.keys) {
      const img = requireImage(d[key], this.name, key);
      const out = new Float32Array(img.size);
      for (let i = 0; i < out.length; i++) out[i] = (img.data[i] as number) * this.opts.factor;
      d[key] = img.clone({ data: out, dtype: 'float32' });
    }
    return d;
  }
}

/** Counts applications (to check what a cache runs); deterministic. */
export class Countd extends Transform<DataItem> {
  static calls = 0;
  constructor(readonly opts: { tag?: string } = {}) {
    super(opts);
  }
  async apply(data: DataItem): Promise<DataItem> {
    Countd.calls++;
    return { ...data };
  }
}

/** Fails on items whose `fail` key is true (deterministic). */
export class FailOnd extends Transform<DataItem> {
  async apply(data: DataItem): Promise<DataItem> {
    if (data.fail === true) throw new Error(`refusing item ${String(data.image)}`);
    return { ...data };
  }
}
