import { readdir } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import { ImageReadError } from '../errors.js';
import { isNiftiName, looksLikeDicom, readDicomSeriesHeader } from './dicom-header.js';

/** What to do when a download holds several image series (seed's `image_series_option`). */
export type XnatSeriesOption = 'error' | 'keepfirst' | 'keeplast';

/** One image found in downloaded files: a DICOM series or a NIfTI file. */
export interface ImageSeries {
  kind: 'dicom' | 'nifti';
  /** Folder holding the files. */
  dir: string;
  /** The files, sorted. */
  files: string[];
  /** True if `files` are all the files of `dir` (so the folder itself can be read). */
  wholeDir: boolean;
  seriesInstanceUid: string | undefined;
  seriesDescription: string | undefined;
  seriesNumber: number | undefined;
}

function matchesSuffix(name: string, suffix: string): boolean {
  return name.toLowerCase().endsWith(suffix.toLowerCase());
}

/**
 * Groups files into image series: DICOM files by folder and SeriesInstanceUID, NIfTI files one
 * each. `expectedFiletype` (`'.dcm'`, `'.IMA'`, `'.nii.gz'`; any case) restricts the files
 * considered; by default DICOM is recognised by suffix or by its `DICM` magic (suffix-less files),
 * and DICOM series win over NIfTI files when both are present. Sorted by folder, series number, UID.
 */
export async function findImageSeries(
  files: readonly string[],
  expectedFiletype?: string,
): Promise<ImageSeries[]> {
  const dicom: string[] = [];
  const nifti: string[] = [];
  for (const f of [...files].sort()) {
    if (expectedFiletype) {
      if (!matchesSuffix(f, expectedFiletype)) continue;
      if (isNiftiName(f)) nifti.push(f);
      else dicom.push(f);
    } else if (isNiftiName(f)) nifti.push(f);
    else if (await looksLikeDicom(f)) dicom.push(f);
  }
  const groups = new Map<string, ImageSeries>();
  for (const f of dicom) {
    const h = await readDicomSeriesHeader(f);
    const dir = dirname(f);
    const uid = h?.seriesInstanceUid;
    const key = `${dir}\n${uid ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        kind: 'dicom',
        dir,
        files: [],
        wholeDir: false,
        seriesInstanceUid: uid,
        seriesDescription: h?.seriesDescription,
        seriesNumber: h?.seriesNumber,
      };
      groups.set(key, g);
    }
    g.files.push(f);
  }
  const out = [...groups.values()];
  for (const g of out) {
    const entries = await readdir(g.dir);
    g.wholeDir = entries.filter((e) => !e.startsWith('.')).length === g.files.length;
  }
  out.sort(
    (a, b) =>
      (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0) ||
      (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0) ||
      (a.seriesInstanceUid ?? '').localeCompare(b.seriesInstanceUid ?? ''),
  );
  if (out.length > 0 && !expectedFiletype) return out;
  for (const f of nifti)
    out.push({
      kind: 'nifti',
      dir: dirname(f),
      files: [f],
      wholeDir: false,
      seriesInstanceUid: undefined,
      seriesDescription: undefined,
      seriesNumber: undefined,
    });
  return out;
}

/**
 * Picks one series: the only one, or by `option` when there are several (`'error'`, the default,
 * throws an ImageReadError listing them). No series at all is an ImageReadError naming the files seen.
 */
export function chooseSeries(
  series: readonly ImageSeries[],
  option: XnatSeriesOption,
  where: string,
  root: string,
  allFiles: readonly string[],
  expectedFiletype?: string,
): ImageSeries {
  if (series.length === 0) {
    const names = allFiles.map((f) => basename(f));
    throw new ImageReadError(
      where,
      `no ${expectedFiletype ? `'${expectedFiletype}' ` : 'DICOM or NIfTI '}files among the ${allFiles.length} downloaded` +
        `${names.length ? ` (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})` : ''}; ` +
        (expectedFiletype ? 'check expectedFiletype, or ' : '') +
        'choose a scan with image data',
    );
  }
  if (series.length === 1 || option === 'keepfirst') return series[0]!;
  if (option === 'keeplast') return series[series.length - 1]!;
  const list = series
    .map(
      (s) =>
        `${relative(root, s.dir) || '.'}${s.seriesInstanceUid ? ` [${s.seriesDescription ?? 'series'} ${s.seriesInstanceUid}]` : ''} (${s.files.length} file${s.files.length === 1 ? '' : 's'})`,
    )
    .join('; ');
  throw new ImageReadError(
    where,
    `holds ${series.length} image series: ${list}; pass seriesOption: 'keepfirst' or 'keeplast' to choose one, or return a single-series scan from the action`,
  );
}
