import type { NiftiReadOptions } from '../../src/io/nifti/nifti-reader.js';
import type { PydicomReaderOptions } from '../../src/io/dicom/pydicom-reader.js';
import { ImageReadError, TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import { castArray, parseDType } from '../../src/image/dtype.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { stackImages } from '../../src/image/stack.js';
import type { ImageReader } from '../../src/io/image-reader.js';
import { findReader, getReader } from '../../src/io/reader-registry.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { ensureChannelFirst } from '../utility/ensure-channel-first.js';
import { type DataItem, Transform } from '../transform.js';

/** Options of {@link LoadImage}; unknown options are passed to the reader (as MONAI passes kwargs). */
export interface LoadImageOptions
  extends
    Pick<NiftiReadOptions, 'asClosestCanonical' | 'channelDim' | 'squeezeNonSpatialDims'>,
    Pick<PydicomReaderOptions, 'swapIj' | 'affineLpsToRas' | 'seriesOption' | 'sortBy' | 'keepLargestStack'> {
  /** A reader by MONAI name (`'NibabelReader'`, `'PydicomReader'`, `'NumpyReader'`) or object; chosen by suffix if omitted. */
  reader?: string | ImageReader;
  /** Output dtype (MONAI default float32); `null` keeps the file's type. */
  dtype?: DType | null;
  /** Return only the image (always true for LoadImage; LoadImaged uses it for `*_meta_dict`). */
  imageOnly?: boolean;
  /** Move or add the channel axis first (MONAI `ensure_channel_first`). */
  ensureChannelFirst?: boolean;
  /** Accepted for MONAI compatibility; meta keys here are already simple. */
  simpleKeys?: boolean;
}

const OWN = new Set([
  'reader',
  'dtype',
  'imageOnly',
  'ensureChannelFirst',
  'simpleKeys',
  'keys',
  'allowMissingKeys',
  'metaKeyPostfix',
  'overwriting',
]);

function readerOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([k]) => !OWN.has(k)));
}

/**
 * Loads an image file, folder (DICOM series) or list of files (stacked as channels) into a
 * MetaImage, as MONAI's `LoadImage`.
 *
 * @example
 * const img = await new LoadImage({ ensureChannelFirst: true }).apply('ct.nii.gz'); // [1, x, y, z]
 */
export class LoadImage extends Transform<string | readonly string[], MetaImage, LoadImageOptions> {
  readonly dtype: DType | null;

  constructor(options: LoadImageOptions = {}) {
    super(options);
    this.dtype =
      options.dtype === undefined
        ? 'float32'
        : options.dtype === null
          ? null
          : parseDType(String(options.dtype));
  }

  async apply(path: string | readonly string[]): Promise<MetaImage> {
    if (typeof path !== 'string' && !(Array.isArray(path) && path.every((p) => typeof p === 'string')))
      throw new ImageReadError(String(path), 'LoadImage expects a file path, a folder, or a list of paths');
    const opt = this.options;
    const reader =
      typeof opt.reader === 'string' ? getReader(opt.reader) : (opt.reader ?? (await findReader(path)));
    const ropts = { ...readerOptions(this.options), dtype: this.dtype };
    let img: MetaImage;
    if (typeof path === 'string' || reader.name === 'PydicomReader') img = await reader.read(path, ropts);
    else img = stackImages(await Promise.all(path.map((p) => reader.read(p, ropts))));
    if (this.dtype !== null && img.dtype !== this.dtype) img.data = castArray(img.data, this.dtype);
    if (this.dtype !== null) img.dtype = this.dtype;
    const meta = { ...img.meta };
    delete meta.affine;
    meta.original_affine ??= img.affine.slice();
    meta.space ??= 'RAS';
    meta.filename_or_obj = typeof path === 'string' ? path : (path[0] as string);
    img.meta = meta;
    return opt.ensureChannelFirst ? ensureChannelFirst(img) : img;
  }
}

/** Options of {@link LoadImaged}. */
export interface LoadImagedOptions extends MapTransformOptions, LoadImageOptions {
  /** Suffix of the meta key written when `imageOnly` is false (MONAI default `'meta_dict'`). */
  metaKeyPostfix?: string;
  /** Overwrite an existing `*_meta_dict` key (MONAI `overwriting`). */
  overwriting?: boolean;
}

/** What {@link storeLoaded} reads of a loading transform's options. */
export interface StoreLoadedOptions {
  imageOnly?: boolean;
  metaKeyPostfix?: string;
  overwriting?: boolean;
}

/**
 * Puts a loaded image under `key` and, with `imageOnly: false`, its meta (plus `affine`) under
 * `key_<metaKeyPostfix>`, refusing to replace an existing meta key unless `overwriting` (MONAI's LoadImaged;
 * shared by LoadImaged, LoadImageXNATd and LoadImageDICOMWebd).
 */
export function storeLoaded(
  d: Record<string, unknown>,
  key: string,
  img: MetaImage,
  opt: StoreLoadedOptions,
  transform: string,
): void {
  d[key] = img;
  if (opt.imageOnly !== false) return;
  const mk = `${key}_${opt.metaKeyPostfix ?? 'meta_dict'}`;
  if (mk in d && !opt.overwriting)
    throw new TransformError(
      transform,
      key,
      `meta key '${mk}' already exists in the data item; pass overwriting: true to replace it`,
    );
  d[mk] = { ...img.meta, affine: img.affine.slice() };
}

/**
 * Dictionary twin of {@link LoadImage}: replaces each key's path with the loaded MetaImage; with
 * `imageOnly: false` also writes `d[key + '_meta_dict']`.
 *
 * @example
 * const load = new LoadImaged({ keys: ['image', 'label'] });
 * const item = await load.apply({ image: 'img.nii.gz', label: 'seg.nii.gz' });
 */
export class LoadImaged extends MapTransform<DataItem, LoadImagedOptions> {
  private readonly loader: LoadImage;

  constructor(options: LoadImagedOptions) {
    super(options);
    const { keys: _k, allowMissingKeys: _a, metaKeyPostfix: _m, overwriting: _o, ...rest } = options;
    this.loader = new LoadImage(rest);
  }

  async apply(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const d = { ...data };
    const opt = this.options;
    await Promise.all(
      this.keyIterator(d).map((key) =>
        this.forKey(key, async () => {
          storeLoaded(d, key, await this.loader.apply(d[key] as string), opt, this.name);
        }),
      ),
    );
    return d;
  }
}
