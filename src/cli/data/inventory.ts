import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeError } from '../../errors.js';
import { voxelSizes } from '../../image/affine.js';
import type { MetaImage } from '../../image/meta-image.js';
import { getReader } from '../../io/reader-registry.js';
import { looksLikeDicom, readDicomSeriesHeader } from '../../xnat/dicom-header.js';
import { axcodesFromAffine } from '../../image/orientation.js';

/** The format a file was taken for. */
export type InventoryFormat = 'nifti' | 'dicom' | 'numpy' | 'other';

/** One file's verdict. */
export interface FileVerdict {
  /** Path relative to the inventoried folder (POSIX separators). */
  file: string;
  format: InventoryFormat;
  bytes: number;
  /** `image`: read by our readers; `unreadable`: looked like an image but failed (see `reason`); `skipped`: not an image format. */
  status: 'image' | 'unreadable' | 'skipped';
  /** Why it could not be read (the reader's typed error message). */
  reason?: string;
  /** Index into {@link FolderInventory.images} of the image this file belongs to. */
  image?: number;
}

/** One image as our loaders see it (a NIfTI or .npy file, or a whole DICOM series). */
export interface InventoryImage {
  format: Exclude<InventoryFormat, 'other'>;
  /** The file, or the series' folder (relative). */
  path: string;
  files: number;
  /** Array shape as read (spatial axes first, as MONAI's readers return it). */
  shape: number[];
  /** Voxel sizes in mm along the spatial axes. */
  spacing: number[];
  /** Orientation code of the affine, e.g. `RAS`, `LPS`. */
  orientation: string;
  dtype: string;
  modality?: string;
  seriesDescription?: string;
  /** A digest of the SeriesInstanceUID (not the UID itself: UIDs can carry site identifiers). */
  series?: string;
}

/** What {@link inventoryFolder} found. */
export interface FolderInventory {
  root: string;
  files: FileVerdict[];
  images: InventoryImage[];
  /** Images per format, unreadable and skipped file counts. */
  counts: { nifti: number; dicom: number; numpy: number; unreadable: number; skipped: number };
}

/** Options of {@link inventoryFolder}. */
export interface InventoryOptions {
  /** Called after each file or series is examined (progress). */
  onProgress?: (done: number, total: number) => void;
}

function seriesDigest(uid: string): string {
  let h = 2166136261;
  for (let i = 0; i < uid.length; i++) h = Math.imul(h ^ uid.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    // hidden entries and the datatoolkit's own project files are not part of the data
    if (e.name.startsWith('.') || e.name.endsWith('_Project.yaml')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

function describe(
  img: MetaImage,
  format: InventoryImage['format'],
  path: string,
  files: number,
): InventoryImage {
  const spatial = (img.meta.spatial_shape as number[] | undefined) ?? img.shape;
  const n = Math.min(3, spatial.length);
  const str = (k: string) => (typeof img.meta[k] === 'string' ? (img.meta[k] as string) : undefined);
  const modality = str('Modality');
  const description = str('SeriesDescription');
  const uid = str('SeriesInstanceUID');
  return {
    format,
    path,
    files,
    shape: [...img.shape],
    spacing: voxelSizes(img.affine, n).map((v) => Number(v.toFixed(6))),
    orientation: axcodesFromAffine(img.affine, n),
    dtype: img.dtype,
    ...(modality !== undefined ? { modality } : {}),
    ...(description !== undefined ? { seriesDescription: description } : {}),
    ...(uid !== undefined ? { series: seriesDigest(uid) } : {}),
  };
}

/**
 * Reads every image under a folder with the package's readers and reports, file by file, what it is:
 * NIfTI and `.npy` files one by one, DICOM files grouped into series by SeriesInstanceUID and read as
 * a series. Files that look like images but fail get the reader's error as `reason`; other files are
 * `skipped`. Hidden files and folders and `*_Project.yaml` files are ignored. No patient identifier is reported.
 *
 * @example
 * const inv = await inventoryFolder('data/');
 * for (const f of inv.files) if (f.status === 'unreadable') console.log(f.file, f.reason);
 */
export async function inventoryFolder(
  root: string,
  options: InventoryOptions = {},
): Promise<FolderInventory> {
  const paths: string[] = [];
  await walk(root, paths);
  const rel = (p: string) => relative(root, p).split('\\').join('/');
  const files: FileVerdict[] = [];
  const images: InventoryImage[] = [];
  const series = new Map<string, { paths: string[]; verdicts: FileVerdict[] }>();
  let done = 0;
  const total = paths.length;
  const tick = () => options.onProgress?.(++done, total);

  for (const p of paths) {
    const bytes = (await stat(p)).size;
    const file = rel(p);
    if (/\.nii(\.gz)?$/i.test(p) || /\.npy$/i.test(p)) {
      const format = /\.npy$/i.test(p) ? 'numpy' : 'nifti';
      const v: FileVerdict = { file, format, bytes, status: 'image' };
      try {
        const img = await getReader(format === 'numpy' ? 'NumpyReader' : 'NibabelReader').read(p, {
          dtype: null,
        });
        v.image = images.push(describe(img, format, file, 1)) - 1;
      } catch (e) {
        v.status = 'unreadable';
        v.reason = describeError(e);
      }
      files.push(v);
      tick();
    } else if (await looksLikeDicom(p)) {
      const v: FileVerdict = { file, format: 'dicom', bytes, status: 'image' };
      files.push(v);
      const header = await readDicomSeriesHeader(p);
      if (!header) {
        v.status = 'unreadable';
        v.reason = 'not a parseable DICOM file (header could not be read)';
        tick();
        continue;
      }
      // one series per folder and SeriesInstanceUID (copies of a series in two folders stay apart)
      const key = `${join(p, '..')}\n${header.seriesInstanceUid ?? p}`;
      const s = series.get(key) ?? { paths: [], verdicts: [] };
      s.paths.push(p);
      s.verdicts.push(v);
      series.set(key, s);
    } else {
      files.push({ file, format: 'other', bytes, status: 'skipped' });
      tick();
    }
  }
  for (const s of series.values()) {
    try {
      const img = await getReader('PydicomReader').read(s.paths, { dtype: null });
      const dir = rel(join(s.paths[0]!, '..')) || '.';
      const index =
        images.push(describe(img, 'dicom', s.paths.length === 1 ? rel(s.paths[0]!) : dir, s.paths.length)) -
        1;
      for (const v of s.verdicts) v.image = index;
    } catch (e) {
      for (const v of s.verdicts) {
        v.status = 'unreadable';
        v.reason = describeError(e);
      }
    }
    for (let i = 0; i < s.paths.length; i++) tick();
  }
  const count = (f: InventoryImage['format']) => images.filter((i) => i.format === f).length;
  return {
    root,
    files,
    images,
    counts: {
      nifti: count('nifti'),
      dicom: count('dicom'),
      numpy: count('numpy'),
      unreadable: files.filter((f) => f.status === 'unreadable').length,
      skipped: files.filter((f) => f.status === 'skipped').length,
    },
  };
}
