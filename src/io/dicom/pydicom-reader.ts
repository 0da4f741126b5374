/**
 * `PydicomReader`: MONAI's DICOM reader for `LoadImage`, reading like ITK/GDCM (geometric slice
 * order, gap and duplicate checks) and returning arrays and affines laid out as MONAI's
 * PydicomReader returns them (`swap_ij`: `(columns, rows[, slices])`, RAS affine).
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import pLimit from 'p-limit';
import { ConfigError, ImageReadError, describeError } from '../../errors.js';
import { type DType, allocArray, dtypeSize, parseDType } from '../../image/dtype.js';
import { MetaImage, type ChannelDim, type ImageMeta } from '../../image/meta-image.js';
import type { ImageReader, ReadOptions } from '../image-reader.js';
import { resolveMaxDecompressedBytes } from '../read-file.js';
import {
  type AssembledSeries,
  type SeriesOption,
  type SeriesSlice,
  type SortBy,
  assembleFrames,
  assembleSeries,
} from './assemble-series.js';
import { checkDecodable, decodeFrame, outputSamples, storedDType } from './decode-frames.js';
import { affineToSpacing } from '../../image/affine.js';
import { dicomAffine, hasGeometry } from './geometry.js';
import { type DicomImageHeader, NoPixelDataError, readImageHeader } from './image-header.js';
import { dicomMetaAttributes } from './meta.js';
import { type RescaleMode, SliceWriter } from './slice-writer.js';
import {
  type DicomFile,
  type ParseDicomOptions,
  NotDicomError,
  fileSystemError,
  hasDicmMagic,
  parseDicomBuffer,
  parseDicomFile,
} from './parse.js';

/** Options of {@link PydicomReader} (MONAI's PydicomReader arguments in camelCase, plus ours). */
export interface PydicomReaderOptions {
  /** Output dtype (default `float32`, as MONAI's LoadImage); `null` keeps the decoded integers where rescale allows. */
  dtype?: DType | null;
  /** Swap rows and columns: array `(columns, rows[, slices])` as MONAI (default true). */
  swapIj?: boolean;
  /** RAS affine (default true); false keeps DICOM's LPS and sets `space: 'LPS'`. */
  affineLpsToRas?: boolean;
  /** Several series in a folder: `'error'` (default), `'first'`, `'largest'` or a SeriesInstanceUID. */
  seriesOption?: SeriesOption;
  /** `'position'` (default: along the slice normal, as ITK/GDCM) or `'instanceNumber'` (MONAI's PydicomReader order). */
  sortBy?: SortBy;
  /** Keep the largest consistent stack instead of failing on gaps, duplicates or mixed stacks (default false). */
  keepLargestStack?: boolean;
  /** Files read and decoded at once (default 4). */
  concurrency?: number;
  /** Meta: the attributes users filter on (default true), or every attribute (false). */
  pruneMetadata?: boolean;
  /** Only folder entries whose base name matches (MONAI's `fname_regex`, matched on the base name). */
  fnameRegex?: string | RegExp;
  /** Read sub-folders of a folder too (default false). */
  recursive?: boolean;
  /** Override `original_channel_dim` (MONAI's `channel_dim`). */
  channelDim?: ChannelDim | null;
  /**
   * Ceiling in bytes on what a file may inflate or decode to: a deflated dataset, and the output
   * image the headers declare (checked before it is allocated). Default
   * `DEFAULT_MAX_DECOMPRESSED_BYTES` (2 GiB); raise it for genuinely larger series.
   */
  maxDecompressedBytes?: number;
}

const DICOM_EXTENSIONS = new Set(['.dcm', '.dicom', '.dic', '.ima']);
const SNAKE: Record<string, keyof PydicomReaderOptions> = {
  swap_ij: 'swapIj',
  affine_lps_to_ras: 'affineLpsToRas',
  series_option: 'seriesOption',
  sort_by: 'sortBy',
  keep_largest_stack: 'keepLargestStack',
  prune_metadata: 'pruneMetadata',
  fname_regex: 'fnameRegex',
  channel_dim: 'channelDim',
  max_decompressed_bytes: 'maxDecompressedBytes',
};

interface Resolved {
  dtype: DType | null;
  swapIj: boolean;
  affineLpsToRas: boolean;
  seriesOption: SeriesOption;
  sortBy: SortBy;
  keepLargestStack: boolean;
  concurrency: number;
  pruneMetadata: boolean;
  fnameRegex: RegExp | undefined;
  recursive: boolean;
  channelDim: ChannelDim | null;
  maxDecompressedBytes: number;
}

function bool(v: unknown, key: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean')
    throw new ConfigError(`PydicomReader option ${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function resolveOptions(...sources: (ReadOptions | PydicomReaderOptions | undefined)[]): Resolved {
  const o: Record<string, unknown> = {};
  for (const src of sources) {
    if (!src) continue;
    for (const [k, v] of Object.entries(src)) if (v !== undefined) o[SNAKE[k] ?? k] = v;
  }
  let dtype: DType | null = 'float32';
  if (o['dtype'] === null) dtype = null;
  else if (o['dtype'] !== undefined) {
    if (typeof o['dtype'] !== 'string')
      throw new ConfigError(`PydicomReader option dtype must be a dtype name or null`);
    try {
      dtype = parseDType(o['dtype']);
    } catch (e) {
      throw new ConfigError(`PydicomReader option dtype: ${(e as Error).message}`);
    }
  }
  const sortBy = o['sortBy'] ?? 'position';
  if (sortBy !== 'position' && sortBy !== 'instanceNumber')
    throw new ConfigError(
      `PydicomReader option sortBy must be 'position' or 'instanceNumber', got ${JSON.stringify(sortBy)}`,
    );
  const seriesOption = o['seriesOption'] ?? 'error';
  if (typeof seriesOption !== 'string' || seriesOption === '')
    throw new ConfigError(
      `PydicomReader option seriesOption must be 'error', 'first', 'largest' or a SeriesInstanceUID`,
    );
  const concurrency = o['concurrency'] ?? 4;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1)
    throw new ConfigError(
      `PydicomReader option concurrency must be a positive integer, got ${JSON.stringify(concurrency)}`,
    );
  const rx = o['fnameRegex'];
  let fnameRegex: RegExp | undefined;
  if (rx instanceof RegExp) fnameRegex = rx;
  else if (typeof rx === 'string' && rx !== '') {
    try {
      fnameRegex = new RegExp(rx);
    } catch (e) {
      throw new ConfigError(
        `PydicomReader option fnameRegex is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  } else if (rx !== undefined && rx !== '')
    throw new ConfigError('PydicomReader option fnameRegex must be a string or RegExp');
  const cd = o['channelDim'];
  if (cd !== undefined && cd !== null && cd !== 'no_channel' && !Number.isInteger(cd))
    throw new ConfigError(`PydicomReader option channelDim must be an integer, 'no_channel' or null`);
  return {
    dtype,
    swapIj: bool(o['swapIj'], 'swapIj', true),
    affineLpsToRas: bool(o['affineLpsToRas'], 'affineLpsToRas', true),
    seriesOption,
    sortBy,
    keepLargestStack: bool(o['keepLargestStack'], 'keepLargestStack', false),
    concurrency,
    pruneMetadata: bool(o['pruneMetadata'], 'pruneMetadata', true),
    fnameRegex,
    recursive: bool(o['recursive'], 'recursive', false),
    channelDim: (cd as ChannelDim | null | undefined) ?? null,
    maxDecompressedBytes: resolveMaxDecompressedBytes(o['maxDecompressedBytes'], 'PydicomReader'),
  };
}

async function listFolder(dir: string, opts: Resolved): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw fileSystemError(dir, e);
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (opts.recursive) out.push(...(await listFolder(p, opts)));
      continue;
    }
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    if (opts.fnameRegex && !opts.fnameRegex.test(e.name)) continue;
    out.push(p);
  }
  return out;
}

interface Inputs {
  files: string[];
  /** One file given: read it as one image (its frames). */
  single: boolean;
  /** What errors name: the folder, or the file. */
  source: string;
  /** `filename_or_obj`: the path given (the first one of a list, as MONAI). */
  label: string;
}

async function listInputs(path: string | readonly string[], opts: Resolved): Promise<Inputs> {
  const paths = typeof path === 'string' ? [path] : [...path];
  if (paths.length === 0) throw new ConfigError('PydicomReader.read: no path given');
  const files: string[] = [];
  let folders = 0;
  for (const p of paths) {
    if (typeof p !== 'string' || p === '')
      throw new ConfigError(`PydicomReader.read: invalid path ${JSON.stringify(p)}`);
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      throw fileSystemError(p, e);
    }
    if (st.isDirectory()) {
      folders++;
      files.push(...(await listFolder(p, opts)));
    } else files.push(p);
  }
  const source = paths.length === 1 ? paths[0]! : `${dirname(paths[0]!)} (${paths.length} paths)`;
  if (files.length === 0)
    throw new ImageReadError(
      source,
      opts.fnameRegex ? `no file matches fnameRegex ${opts.fnameRegex}` : 'the folder holds no files',
    );
  return { files, single: folders === 0 && files.length === 1, source, label: paths[0]! };
}

interface Plan {
  dtype: DType;
  modes: RescaleMode[];
}

function hasRescale(s: SeriesSlice): boolean {
  return s.geometry.rescaleSlope !== undefined || s.geometry.rescaleIntercept !== undefined;
}

function intDTypeFor(lo: number, hi: number): DType {
  if (lo >= 0) return hi <= 255 ? 'uint8' : hi <= 65535 ? 'uint16' : hi <= 4294967295 ? 'uint32' : 'float64';
  if (lo >= -128 && hi <= 127) return 'int8';
  if (lo >= -32768 && hi <= 32767) return 'int16';
  return lo >= -2147483648 && hi <= 2147483647 ? 'int32' : 'float64';
}

/** Chooses the output dtype and how each slice's rescale is applied. */
function planOutput(series: AssembledSeries, requested: DType | null): Plan {
  const slices = series.slices;
  if (requested !== null)
    return { dtype: requested, modes: slices.map((s) => (hasRescale(s) ? 'float32' : 'none')) };
  const stored = storedDType(slices[0]!.header);
  const identity = (s: SeriesSlice): boolean =>
    (s.geometry.rescaleSlope ?? 1) === 1 && (s.geometry.rescaleIntercept ?? 0) === 0;
  if (slices.every(identity)) return { dtype: stored, modes: slices.map(() => 'none') };
  const integral = slices.every(
    (s) =>
      Number.isInteger(s.geometry.rescaleSlope ?? 1) && Number.isInteger(s.geometry.rescaleIntercept ?? 0),
  );
  if (integral && stored !== 'float32' && stored !== 'float64') {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of slices) {
      const h = s.header;
      const bs = h.bitsAllocated === 1 ? 1 : h.bitsStored;
      const [a, b] = h.pixelRepresentation === 1 ? [-(2 ** (bs - 1)), 2 ** (bs - 1) - 1] : [0, 2 ** bs - 1];
      const m = s.geometry.rescaleSlope ?? 1;
      const c = s.geometry.rescaleIntercept ?? 0;
      lo = Math.min(lo, a * m + c, b * m + c);
      hi = Math.max(hi, a * m + c, b * m + c);
    }
    return { dtype: intDTypeFor(lo, hi), modes: slices.map(() => 'exact') };
  }
  return { dtype: 'float32', modes: slices.map((s) => (hasRescale(s) ? 'float32' : 'none')) };
}

/** `Promise.all` that drops the queued tasks of `limit` once one task fails. */
async function settle<T>(limit: ReturnType<typeof pLimit>, tasks: Promise<T>[]): Promise<T[]> {
  try {
    return await Promise.all(tasks);
  } catch (e) {
    limit.clearQueue();
    // The dropped tasks never settle; the running ones finish on their own.
    throw e;
  }
}

function isMonochrome1(h: DicomImageHeader): boolean {
  return h.photometricInterpretation === 'MONOCHROME1';
}

/**
 * MONAI's `PydicomReader` for `LoadImage`. `read(path)` reads a `.dcm` file (one image, its
 * frames along the last axis), a folder or a list of files (one series). The result is not yet
 * channel-first: grayscale `(columns, rows[, slices])` with `original_channel_dim: 'no_channel'`,
 * RGB `(columns, rows[, slices], 3)` with `original_channel_dim: -1`.
 * Images without ImageOrientationPatient or ImagePositionPatient (secondary captures, CR) get
 * MONAI's affine for them: the identity with axes 0 and 1 swapped (`swapIj`), no LPS → RAS flip,
 * PixelSpacing unused, `spacing` 1; several such files are stacked by InstanceNumber (files
 * without one skipped, none with one refused), as MONAI's `_combine_dicom_series`.
 *
 * Deliberate differences from MONAI 1.4 (documented, not options): the frames of a multi-frame
 * file go on the last axis, `(columns, rows, frames)`, where MONAI keeps pydicom's frame-first
 * array and swaps its axes 0 and 1, `(rows, frames, columns)`; RGB keeps its samples as a channel
 * axis (`original_channel_dim: -1`) where MONAI counts them as a third spatial axis; enhanced
 * multi-frame and NM files get their geometry from the functional groups and detector sequences,
 * where MONAI, finding no top-level ImagePositionPatient, gives them the identity.
 *
 * @example
 * const img = await new PydicomReader().read('scans/T1', { seriesOption: 'largest' });
 * img.shape; // [256, 256, 20]
 */
export class PydicomReader implements ImageReader {
  /** MONAI's reader name. */
  readonly name = 'PydicomReader';
  private readonly defaults: PydicomReaderOptions;

  constructor(options: PydicomReaderOptions = {}) {
    this.defaults = options;
    resolveOptions(options);
  }

  /**
   * Reads with default options: the class itself can be registered as an `ImageReader`
   * (`registerReader(PydicomReader)`), as can an instance with other defaults.
   */
  static read(
    path: string | readonly string[],
    options?: ReadOptions & { dtype?: DType | null },
  ): Promise<MetaImage> {
    return new PydicomReader().read(path, options);
  }

  /** See {@link PydicomReader.verifySuffix}. */
  static verifySuffix(path: string): boolean {
    return new PydicomReader().verifySuffix(path);
  }

  /** True for `.dcm`/`.dicom`/`.ima` files, files with the `DICM` marker, and folders. */
  verifySuffix(path: string): boolean {
    if (DICOM_EXTENSIONS.has(extname(path).toLowerCase())) return true;
    try {
      const st = statSync(path);
      if (st.isDirectory()) return true;
      if (!st.isFile() || st.size < 132) return false;
      const fd = openSync(path, 'r');
      try {
        const head = new Uint8Array(132);
        readSync(fd, head, 0, 132, 0);
        return hasDicmMagic(head);
      } finally {
        closeSync(fd);
      }
    } catch {
      return false;
    }
  }

  /** Reads a file, a folder or a list of files (see the class comment). */
  async read(
    path: string | readonly string[],
    options?: ReadOptions & { dtype?: DType | null },
  ): Promise<MetaImage> {
    const opts = resolveOptions(this.defaults, options);
    return this.readInputs(await listInputs(path, opts), opts, parseDicomFile);
  }

  /**
   * Reads DICOM instances held in memory (name → Part 10 bytes, e.g. retrieved with WADO-RS) as
   * one series (or one image, for a single instance), exactly as {@link read} reads the same files,
   * without writing them anywhere. The names stand in for file names in errors and meta.
   */
  async readBuffers(
    instances: ReadonlyMap<string, Uint8Array>,
    options?: ReadOptions & { dtype?: DType | null },
  ): Promise<MetaImage> {
    const opts = resolveOptions(this.defaults, options);
    const files = [...instances.keys()];
    if (files.length === 0) throw new ConfigError('PydicomReader.readBuffers: no instances given');
    const parse = async (file: string, o?: ParseDicomOptions) =>
      parseDicomBuffer(instances.get(file)!, file, o);
    return this.readInputs(
      { files, single: files.length === 1, source: files[0]!, label: files[0]! },
      opts,
      parse,
    );
  }

  private async readInputs(
    inputs: Inputs,
    opts: Resolved,
    parse: (file: string, o?: ParseDicomOptions) => Promise<DicomFile>,
  ): Promise<MetaImage> {
    const limit = pLimit(opts.concurrency);
    const warnings: string[] = [];
    let series: AssembledSeries;
    /** Files already parsed in full (the single-file case). */
    const parsed = new Map<string, DicomFile>();

    if (inputs.single) {
      const file = inputs.files[0]!;
      const dicom = await parse(file, { maxDecompressedBytes: opts.maxDecompressedBytes });
      const header = readImageHeader(dicom);
      checkDecodable(header);
      parsed.set(file, dicom);
      series = assembleFrames(header, { ...opts, source: file });
    } else {
      const headers = await settle(
        limit,
        inputs.files.map((file) =>
          limit(async (): Promise<DicomImageHeader | undefined> => {
            try {
              const header = readImageHeader(
                await parse(file, { headerOnly: true, maxDecompressedBytes: opts.maxDecompressedBytes }),
              );
              checkDecodable(header);
              return header;
            } catch (e) {
              if (e instanceof NoPixelDataError) {
                warnings.push(`${basename(file)}: ${e.reason}: skipped`);
                return undefined;
              }
              if (e instanceof NotDicomError && !DICOM_EXTENSIONS.has(extname(file).toLowerCase())) {
                warnings.push(`${basename(file)}: not a DICOM file: skipped`);
                return undefined;
              }
              throw e;
            }
          }),
        ),
      );
      warnings.sort();
      const images = headers.filter((h): h is DicomImageHeader => h !== undefined);
      if (images.length === 0)
        throw new ImageReadError(
          inputs.source,
          `no DICOM image among its ${inputs.files.length} file(s) (${warnings.slice(0, 3).join('; ')})`,
        );
      series = assembleSeries(images, { ...opts, source: inputs.source });
    }
    warnings.push(...series.warnings);
    return this.decodeSeries(series, inputs, opts, parsed, limit, warnings, parse);
  }

  private async decodeSeries(
    series: AssembledSeries,
    inputs: Inputs,
    opts: Resolved,
    parsed: Map<string, DicomFile>,
    limit: ReturnType<typeof pLimit>,
    warnings: string[],
    parse: (file: string, o?: ParseDicomOptions) => Promise<DicomFile>,
  ): Promise<MetaImage> {
    const first = series.slices[0]!;
    const h0 = first.header;
    const { rows, columns } = h0;
    const spp = outputSamples(h0);
    const n = series.slices.length;
    const nSlices = series.is2d ? 1 : n;
    const plan = planOutput(series, opts.dtype);
    const asBool = plan.dtype === 'bool';
    const count = rows * columns * nSlices * spp;
    const bytes = count * dtypeSize(plan.dtype);
    if (bytes > opts.maxDecompressedBytes)
      throw new ImageReadError(
        inputs.source,
        `the headers declare a ${rows}×${columns}×${nSlices}×${spp} image of ${bytes} bytes, more than the ${opts.maxDecompressedBytes} bytes allowed; if the files are genuine, raise the reader option maxDecompressedBytes`,
      );
    let out: ReturnType<typeof allocArray>;
    try {
      out = allocArray(plan.dtype, count);
    } catch (e) {
      throw new ImageReadError(inputs.source, `cannot allocate a ${bytes}-byte image (${describeError(e)})`, {
        cause: e,
      });
    }

    // Which slices each file supplies.
    const byFile = new Map<string, number[]>();
    for (const [i, s] of series.slices.entries()) {
      let list = byFile.get(s.header.file);
      if (!list) byFile.set(s.header.file, (list = []));
      list.push(i);
    }
    let attributes: Record<string, unknown> = {};
    const writer = new SliceWriter(
      out,
      series.slices,
      plan.modes,
      rows,
      columns,
      spp,
      opts.swapIj,
      asBool,
      dtypeSize(storedDType(h0)),
    );
    await settle(
      limit,
      [...byFile.entries()].map(([file, indices]) =>
        limit(async () => {
          const dicom =
            parsed.get(file) ?? (await parse(file, { maxDecompressedBytes: opts.maxDecompressedBytes }));
          const header = parsed.has(file) ? series.slices[indices[0]!]!.header : readImageHeader(dicom);
          if (
            header.rows !== rows ||
            header.columns !== columns ||
            header.samplesPerPixel !== h0.samplesPerPixel
          )
            throw new ImageReadError(file, 'the file changed while the series was being read');
          for (const i of indices) writer.add(i, await decodeFrame(dicom, header, series.slices[i]!.frame));
          if (file === h0.file) attributes = dicomMetaAttributes(dicom, { prune: opts.pruneMetadata });
          parsed.delete(file);
        }),
      ),
    );
    writer.finish();

    const spatial = opts.swapIj ? [columns, rows] : [rows, columns];
    if (!series.is2d) spatial.push(n);
    const shape = spp === 3 ? [...spatial, 3] : spatial;
    const geometry = {
      orientation: series.orientation,
      pixelSpacing: series.pixelSpacing,
      origin: series.origin,
      sliceStep: series.sliceStep,
      swapIj: opts.swapIj,
      lpsToRas: opts.affineLpsToRas,
    };
    const affine = dicomAffine(geometry);
    if (!hasGeometry(geometry))
      warnings.push(
        `no ${series.orientation ? '' : 'ImageOrientationPatient'}${series.orientation || series.origin ? '' : ' or '}${series.origin ? '' : 'ImagePositionPatient'}: ` +
          `identity affine (axes 0 and 1 swapped by swapIj, no LPS to RAS flip, PixelSpacing not used), as MONAI's PydicomReader`,
      );
    const meta: ImageMeta = { ...attributes };
    // Enhanced multi-frame files keep geometry in functional groups: expose the first frame's.
    if (meta['ImagePositionPatient'] === undefined && series.origin)
      meta['ImagePositionPatient'] = [...series.origin];
    if (meta['ImageOrientationPatient'] === undefined && series.orientation)
      meta['ImageOrientationPatient'] = [...series.orientation];
    if (meta['PixelSpacing'] === undefined && series.pixelSpacing)
      meta['PixelSpacing'] = [...series.pixelSpacing];
    if (!series.is2d && series.lastPosition) meta['lastImagePositionPatient'] = [...series.lastPosition];
    if (isMonochrome1(h0)) meta['monochrome1'] = true;
    if (!inputs.single) meta['dicom_files'] = [...new Set(series.slices.map((s) => s.header.file))];
    if (warnings.length > 0) meta['dicom_warnings'] = warnings;
    meta.spatial_shape = spatial;
    meta.original_affine = affine.slice();
    meta.original_channel_dim = opts.channelDim ?? (spp === 3 ? -1 : 'no_channel');
    meta.space = opts.affineLpsToRas ? 'RAS' : 'LPS';
    meta.filename_or_obj = inputs.label;
    meta['spacing'] = affineToSpacing(affine, spatial.length);
    return new MetaImage({ data: out, shape, dtype: plan.dtype, affine, meta });
  }
}

/** Reads DICOM with a default {@link PydicomReader} (see {@link PydicomReader.read}). */
export function readDicom(
  path: string | readonly string[],
  options?: PydicomReaderOptions,
): Promise<MetaImage> {
  return new PydicomReader().read(path, options as ReadOptions);
}
