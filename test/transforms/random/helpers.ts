import { MetaImage } from '../../../src/image/meta-image.js';

/** A float32 channel-first image whose voxel values come from `fn(spatial index)`. */
export function image(shape: readonly number[], fn: (idx: number[]) => number = () => 0): MetaImage {
  const sp = shape.slice(1);
  const n = sp.reduce((a, b) => a * b, 1);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let v = 0; v < n; v++) {
    const idx: number[] = [];
    let r = v;
    for (let d = sp.length - 1; d >= 0; d--) {
      idx[d] = r % (sp[d] as number);
      r = Math.floor(r / (sp[d] as number));
    }
    for (let c = 0; c < (shape[0] as number); c++) data[c * n + v] = fn(idx) + c * 1000;
  }
  return new MetaImage({ data, shape, meta: { spatial_shape: [...sp] } });
}

/** A ramp image (distinct values everywhere), handy to check geometry. */
export function ramp(shape: readonly number[]): MetaImage {
  const sp = shape.slice(1);
  return image(shape, (idx) => idx.reduce((a, v, d) => a * (sp[d] as number) + v, 0));
}

/** Plain copy of an image's values. */
export function values(img: unknown): number[] {
  return Array.from((img as MetaImage).data as ArrayLike<number>);
}
