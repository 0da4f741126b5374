import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { castOutput, requireOptions } from '../intensity/intensity-utils.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link LabelToContour}. */
export interface LabelToContourOptions {
  /** Only `'Laplace'` (MONAI's only kernel). */
  kernelType?: 'Laplace';
}

/**
 * LabelToContour on one image (MONAI): a Laplace filter (8·x − Σ8 neighbours in 2D, 26·x − Σ26 in
 * 3D, zero padding) per channel, clamped to [0, 1], cast back to the input dtype.
 */
export function labelToContour(img: MetaImage): MetaImage {
  const spatial = img.spatialShape;
  const nd = spatial.length;
  if (nd !== 2 && nd !== 3)
    throw new TransformError(
      'LabelToContour',
      undefined,
      `can only handle 2D or 3D images, got ${nd} spatial dimensions`,
    );
  const [sx, sy, sz] =
    nd === 2 ? [spatial[0] as number, spatial[1] as number, 1] : (spatial as [number, number, number]);
  const per = sx * sy * sz;
  const centre = nd === 2 ? 8 : 26;
  const dz = nd === 2 ? [0] : [-1, 0, 1];
  const out = new Float32Array(img.size);
  const f = Math.fround;
  for (let c = 0; c < img.numChannels; c++) {
    const base = c * per;
    for (let x = 0; x < sx; x++)
      for (let y = 0; y < sy; y++)
        for (let z = 0; z < sz; z++) {
          const i = base + (x * sy + y) * sz + z;
          let acc = centre * f(img.data[i] as number);
          for (let a = -1; a <= 1; a++) {
            const xa = x + a;
            if (xa < 0 || xa >= sx) continue;
            for (let b = -1; b <= 1; b++) {
              const yb = y + b;
              if (yb < 0 || yb >= sy) continue;
              for (const cz of dz) {
                const zc = z + cz;
                if (zc < 0 || zc >= sz || (a === 0 && b === 0 && cz === 0)) continue;
                acc -= f(img.data[base + (xa * sy + yb) * sz + zc] as number);
              }
            }
          }
          out[i] = Math.min(Math.max(acc, 0), 1);
        }
  }
  return img.clone({ data: castOutput(out, img.dtype), dtype: img.dtype });
}

function checkOptions(name: string, o: LabelToContourOptions): void {
  if (o.kernelType !== undefined && o.kernelType !== 'Laplace')
    throw new TransformError(
      name,
      undefined,
      `only kernelType 'Laplace' is supported, got '${String(o.kernelType)}'`,
    );
}

/**
 * Contours of a label image with a Laplace edge filter (MONAI `LabelToContour`).
 *
 * @example
 * await new LabelToContour().apply(seg);
 */
export class LabelToContour extends ImageTransform<LabelToContourOptions> {
  constructor(options: LabelToContourOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('LabelToContour', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return labelToContour(img);
  }
}

/** Dictionary twin of {@link LabelToContour}. */
export class LabelToContourd extends ImageMapTransform<MapTransformOptions & LabelToContourOptions> {
  constructor(options: MapTransformOptions & LabelToContourOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('LabelToContourd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return labelToContour(img);
  }
}
