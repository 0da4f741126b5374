import type { DType } from '../../src/image/dtype.js';
import { allocArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { fail } from '../keyed-errors.js';
import { dtypeOption } from './dtype-option.js';

/** Options of {@link MapLabelValue}. */
export interface MapLabelValueOptions {
  /** Label values to replace. */
  origLabels: readonly number[];
  /** Their new values, one per entry of `origLabels`. */
  targetLabels: readonly number[];
  /** Output dtype (default `'float32'`, as MONAI). */
  dtype?: DType;
}

function checked(o: MapLabelValueOptions, where: string): { orig: number[]; target: number[]; dtype: DType } {
  const orig = o?.origLabels;
  const target = o?.targetLabels;
  if (!Array.isArray(orig) || !Array.isArray(target) || orig.length !== target.length)
    fail(where, 'origLabels and targetLabels must be lists of numbers of the same length');
  if (![...orig, ...target].every((v) => typeof v === 'number' && Number.isFinite(v)))
    fail(where, 'origLabels and targetLabels must hold numbers only');
  return {
    orig: [...orig] as number[],
    target: [...target] as number[],
    dtype: dtypeOption(o.dtype ?? 'float32', where),
  };
}

/**
 * MONAI `MapLabelValue`: casts to `dtype`, then, pair by pair, writes `target` where the input equals
 * `orig` (values not listed are kept, cast).
 */
export function mapLabelValue(
  img: MetaImage,
  options: MapLabelValueOptions,
  where = 'MapLabelValue',
): MetaImage {
  const { orig, target, dtype } = checked(options, where);
  const out = allocArray(dtype, img.size);
  const src = img.data;
  for (let i = 0; i < src.length; i++) out[i] = src[i] as number;
  orig.forEach((o, k) => {
    const t = target[k] as number;
    if (o === t) return;
    for (let i = 0; i < src.length; i++) if (src[i] === o) out[i] = t;
  });
  return img.clone({ data: out, dtype });
}

/**
 * Maps label values (MONAI `MapLabelValue`), e.g. merging AAL regions into lobes.
 *
 * @example
 * await new MapLabelValue({ origLabels: [1, 2, 3], targetLabels: [0, 1, 1], dtype: 'uint8' }).apply(label);
 */
export class MapLabelValue extends ImageTransform<MapLabelValueOptions> {
  constructor(options: MapLabelValueOptions) {
    super(options);
    checked(options, this.name);
  }

  transformImage(img: MetaImage): MetaImage {
    return mapLabelValue(img, this.options, this.name);
  }
}

/** Options of {@link MapLabelValued}. */
export interface MapLabelValuedOptions extends MapTransformOptions, MapLabelValueOptions {}

/** Dictionary twin of {@link MapLabelValue}. */
export class MapLabelValued extends ImageMapTransform<MapLabelValuedOptions> {
  constructor(options: MapLabelValuedOptions) {
    super(options);
    checked(options, this.name);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return mapLabelValue(img, this.options, this.name);
  }
}
