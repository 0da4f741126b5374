import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';

/**
 * MONAI `ConvertToMultiChannelBasedOnBratsClasses`: BraTS labels (1 necrotic core, 2 oedema, 4 enhancing
 * tumour) to three bool channels TC = 1|4, WT = 1|2|4, ET = 4. As MONAI, only a 4-D `(1, X, Y, Z)`
 * input loses its channel axis; a 2-D `(1, H, W)` label gives `(3, 1, H, W)`.
 */
export function convertToMultiChannelBasedOnBratsClasses(img: MetaImage): MetaImage {
  const squeeze = img.shape.length === 4 && img.numChannels === 1;
  const inShape = squeeze ? img.spatialShape : img.shape;
  const n = img.size;
  const data = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const v = img.data[i] as number;
    data[i] = v === 1 || v === 4 ? 1 : 0;
    data[n + i] = v === 1 || v === 2 || v === 4 ? 1 : 0;
    data[2 * n + i] = v === 4 ? 1 : 0;
  }
  return img.clone({ data, shape: [3, ...inShape], dtype: 'bool' });
}

/**
 * BraTS label map to TC/WT/ET channels (MONAI `ConvertToMultiChannelBasedOnBratsClasses`).
 *
 * @example
 * await new ConvertToMultiChannelBasedOnBratsClasses().apply(label); // (1, X, Y, Z) → bool (3, X, Y, Z)
 */
export class ConvertToMultiChannelBasedOnBratsClasses extends ImageTransform<object> {
  constructor(options: object = {}) {
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return convertToMultiChannelBasedOnBratsClasses(img);
  }
}

/** Options of {@link ConvertToMultiChannelBasedOnBratsClassesd}. */
export type ConvertToMultiChannelBasedOnBratsClassesdOptions = MapTransformOptions;

/** Dictionary twin of {@link ConvertToMultiChannelBasedOnBratsClasses}. */
export class ConvertToMultiChannelBasedOnBratsClassesd extends ImageMapTransform<ConvertToMultiChannelBasedOnBratsClassesdOptions> {
  constructor(options: ConvertToMultiChannelBasedOnBratsClassesdOptions) {
    super(options);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return convertToMultiChannelBasedOnBratsClasses(img);
  }
}
