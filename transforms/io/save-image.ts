import { basename, dirname, join, relative, resolve } from 'node:path';
import { TransformError } from '../../src/errors.js';
import { type DType, castArray, parseDType } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { stridesOf } from '../../src/image/meta-image.js';
import { stridedCopy } from '../../src/image/strided.js';
import { writeNifti } from '../../src/io/nifti/nifti-writer.js';
import { writeNpy } from '../../src/io/numpy.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';

/** Options of {@link SaveImage} (MONAI's `SaveImage` arguments, camelCase). */
export interface SaveImageOptions {
  /** Output folder (default `'./'`). */
  outputDir?: string;
  /** Appended to the file name: `{name}_{postfix}{ext}` (default `'trans'`). */
  outputPostfix?: string;
  /** `.nii.gz` (default), `.nii` or `.npy`. */
  outputExt?: string;
  /** dtype written to the file (default float32). */
  outputDtype?: DType;
  /** Drop trailing size-1 axes after moving channels last (default true). */
  squeezeEndDims?: boolean;
  /** Keep the input's folder structure below this root. */
  dataRootDir?: string;
  /** One folder per input file (default true). */
  separateFolder?: boolean;
  /** Print where each file went (default true). */
  printLog?: boolean;
  /** Resampling back to `original_affine` before saving is not implemented: must be false. */
  resample?: boolean;
  /** Write the path into `meta.saved_to` (MONAI `savepath_in_metadict`). */
  savepathInMetadict?: boolean;
}

/** MONAI's FolderLayout: where an image from `source` is written. */
export function outputPath(source: string, o: SaveImageOptions, index?: number): string {
  const ext = o.outputExt ?? '.nii.gz';
  const name = basename(source).replace(/(\.nii\.gz|\.nii|\.npy|\.dcm|\.gz)$/i, '');
  const postfix = o.outputPostfix ?? 'trans';
  let folder = resolve(o.outputDir ?? './');
  if (o.dataRootDir) folder = join(folder, relative(resolve(o.dataRootDir), dirname(resolve(source))));
  if (o.separateFolder ?? true) folder = join(folder, name);
  const stem = `${name}${postfix ? `_${postfix}` : ''}${index === undefined ? '' : `_${index}`}`;
  return join(folder, `${stem}${ext.startsWith('.') ? ext : `.${ext}`}`);
}

/** Moves the channel axis last and squeezes trailing size-1 axes, as MONAI's writers do. */
export function toChannelLast(
  img: MetaImage,
  squeezeEndDims = true,
): { data: MetaImage['data']; shape: number[] } {
  const n = img.shape.length;
  const order = [...Array.from({ length: n - 1 }, (_, i) => i + 1), 0];
  const st = stridesOf(img.shape);
  const data = img.data.slice();
  stridedCopy(
    img.data,
    data,
    order.map((i) => img.shape[i] as number),
    order.map((i) => st[i] as number),
    0,
  );
  let shape = order.map((i) => img.shape[i] as number);
  if (squeezeEndDims) while (shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
  if (shape.length === 3 && n === 3 && img.numChannels > 1)
    shape = [shape[0] as number, shape[1] as number, 1, img.numChannels];
  return { data, shape };
}

/**
 * Writes a channel-first MetaImage to NIfTI or `.npy` (MONAI `SaveImage`), atomically. Returns the
 * image unchanged.
 *
 * @example
 * await new SaveImage({ outputDir: 'out', outputPostfix: 'seg' }).apply(prediction);
 */
export class SaveImage extends Transform<MetaImage, MetaImage, SaveImageOptions> {
  private count = 0;

  constructor(options: SaveImageOptions = {}) {
    super(options);
    if (options.resample)
      throw new TransformError(
        'SaveImage',
        undefined,
        'resample: true is not implemented; resample with Spacingd/Invertd before saving',
      );
  }

  async apply(img: MetaImage, key?: string): Promise<MetaImage> {
    const image = requireImage(img, this.name, key);
    const o = this.options;
    const src = image.meta.filename_or_obj;
    const source = Array.isArray(src)
      ? String(src[0])
      : typeof src === 'string'
        ? src
        : `image_${this.count}`;
    this.count++;
    const file = outputPath(source, o);
    const dtype = parseDType(String(o.outputDtype ?? 'float32'));
    const { data, shape } = toChannelLast(image, o.squeezeEndDims ?? true);
    const cast = castArray(data, dtype);
    if (file.endsWith('.npy')) await writeNpy(file, cast, shape, dtype);
    else await writeNifti(file, cast, shape, dtype, image.affine);
    if (o.printLog ?? true) console.log(`file written: ${file}.`);
    if (o.savepathInMetadict)
      return image.clone({ data: image.data, meta: { ...image.meta, saved_to: file } });
    return image;
  }
}

/** Dictionary twin of {@link SaveImage}: saves each key's image. */
export class SaveImaged extends MapTransform<DataItem, MapTransformOptions & SaveImageOptions> {
  private readonly saver: SaveImage;

  constructor(options: MapTransformOptions & SaveImageOptions) {
    super(options);
    const { keys: _k, allowMissingKeys: _a, ...rest } = options;
    this.saver = new SaveImage(rest);
  }

  async apply(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = await this.forKey(key, () => this.saver.apply(d[key] as MetaImage, key));
    return d;
  }
}
