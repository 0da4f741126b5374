import { TransformError } from '../../src/errors.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';

/** Options of {@link MedianSmooth}. */
export interface MedianSmoothOptions {
  /** Filter radius in voxels: one for all spatial axes or one per axis (default 1: a 3×3(×3) window). */
  radius?: number | readonly number[];
}

function radii(o: MedianSmoothOptions, n: number, where: string): number[] {
  const r = o?.radius ?? 1;
  const list = typeof r === 'number' ? new Array<number>(n).fill(r) : [...r];
  if (list.length !== n || !list.every((x) => Number.isInteger(x) && x >= 0))
    throw new TransformError(
      where,
      undefined,
      `radius must be a non-negative integer or one per spatial axis (${n}), got ${JSON.stringify(r)}`,
    );
  return list;
}

/**
 * MONAI `median_filter` as `MedianSmooth` uses it: each voxel becomes the median of its
 * `(2r + 1)`-wide window, borders padded by replicating the edge voxel, per channel; float32 out
 * (odd windows: the exact middle value).
 */
export function medianSmooth(
  img: MetaImage,
  options: MedianSmoothOptions = {},
  where = 'MedianSmooth',
): MetaImage {
  const sp = img.spatialShape;
  const n = sp.length;
  const r = radii(options, n, where);
  const st = stridesOf(sp);
  const per = sp.reduce((a, b) => a * b, 1);
  const win = r.reduce((a, x) => a * (2 * x + 1), 1);
  const offs: number[][] = [];
  for (let k = 0; k < win; k++) {
    const d: number[] = [];
    let rem = k;
    for (let a = n - 1; a >= 0; a--) {
      const w = 2 * (r[a] as number) + 1;
      d[a] = (rem % w) - (r[a] as number);
      rem = Math.floor(rem / w);
    }
    offs.push(d);
  }
  const out = new Float32Array(img.size);
  const buf = new Float64Array(win);
  const pos = new Array<number>(n).fill(0);
  const mid = (win - 1) >> 1;
  for (let c = 0; c < img.numChannels; c++) {
    const base = c * per;
    pos.fill(0);
    for (let v = 0; v < per; v++) {
      for (let k = 0; k < win; k++) {
        const d = offs[k] as number[];
        let idx = base;
        for (let a = 0; a < n; a++) {
          const p = Math.min(Math.max((pos[a] as number) + (d[a] as number), 0), (sp[a] as number) - 1);
          idx += p * (st[a] as number);
        }
        buf[k] = Math.fround(img.data[idx] as number);
      }
      buf.sort();
      out[base + v] = buf[mid] as number;
      for (let a = n - 1; a >= 0; a--) {
        pos[a] = (pos[a] as number) + 1;
        if ((pos[a] as number) < (sp[a] as number)) break;
        pos[a] = 0;
      }
    }
  }
  return img.clone({ data: out, dtype: 'float32' });
}

/**
 * Median filter (MONAI `MedianSmooth`).
 *
 * @example
 * await new MedianSmooth({ radius: 1 }).apply(img);
 */
export class MedianSmooth extends ImageTransform<MedianSmoothOptions> {
  constructor(options: MedianSmoothOptions = {}) {
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return medianSmooth(img, this.options, this.name);
  }
}

/** Options of {@link MedianSmoothd}. */
export interface MedianSmoothdOptions extends MapTransformOptions, MedianSmoothOptions {}

/** Dictionary twin of {@link MedianSmooth}. */
export class MedianSmoothd extends ImageMapTransform<MedianSmoothdOptions> {
  constructor(options: MedianSmoothdOptions) {
    super(options);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return medianSmooth(img, this.options, this.name);
  }
}
