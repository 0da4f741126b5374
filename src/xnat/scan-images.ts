import { CscMlopsError, XnatError } from '../errors.js';
import { type CachedFiles, XnatDownloadCache } from './download.js';
import { ProjectData } from './project-data.js';
import { type ImageSeries, type XnatSeriesOption, chooseSeries, findImageSeries } from './series.js';
import type { XnatSession } from './session.js';
import { SubjectData } from './subject-data.js';
import { itemFields } from './listing.js';
import { parseXnatUri } from './uri.js';

/** The image a scan URI resolves to, ready for a reader. */
export interface ScanImage {
  /** A folder (whole DICOM series), a list of DICOM files, or one NIfTI file. */
  path: string | string[];
  kind: 'dicom' | 'nifti';
  series: ImageSeries;
  cached: CachedFiles;
}

/** Options of `scanImage`. */
export interface ScanImageOptions {
  /** Only files with this suffix (`'.dcm'`, `'.IMA'`, `'.nii.gz'`; any case). Default: DICOM by suffix or magic, else NIfTI. */
  expectedFiletype?: string;
  /** Several series in the download: `'error'` (default), `'keepfirst'`, `'keeplast'`. */
  seriesOption?: XnatSeriesOption;
  signal?: AbortSignal;
}

/**
 * Downloads (or finds in the cache) a scan's or resource's files and picks the image series to read.
 * Errors name the scan URI.
 */
export async function scanImage(
  session: XnatSession,
  cache: XnatDownloadCache,
  uri: string,
  opts: ScanImageOptions = {},
): Promise<ScanImage> {
  const o: { signal?: AbortSignal } = {};
  if (opts.signal) o.signal = opts.signal;
  const cached = await cache.fetch(session, uri, o);
  const found = await findImageSeries(cached.files, opts.expectedFiletype);
  const series = chooseSeries(
    found,
    opts.seriesOption ?? 'error',
    `XNAT ${uri} (downloaded to ${cached.dir})`,
    cached.dir,
    cached.files,
    opts.expectedFiletype,
  );
  const path = series.kind === 'nifti' ? series.files[0]! : series.wholeDir ? series.dir : series.files;
  return { path, kind: series.kind, series, cached };
}

/**
 * The subject an item value names, with experiments and scans loaded: a subject URI
 * (`/data/projects/P/subjects/S`, `/data/subjects/S`) or a bare label / accession ID in `defaultProject`.
 */
export async function subjectFromValue(
  session: XnatSession,
  value: string,
  defaultProject: string | undefined,
  signal?: AbortSignal,
): Promise<SubjectData> {
  const t = parseXnatUri(value);
  let project: string | undefined;
  let subject: string;
  if (t?.kind === 'subject') {
    subject = t.subject;
    project = t.project ?? defaultProject;
    if (project === undefined) {
      const path = `/data/subjects/${encodeURIComponent(subject)}`;
      const fields = itemFields(
        await session.getJson(path, { what: `subject '${subject}'` }),
        session.url(path),
      );
      project = typeof fields.project === 'string' ? fields.project : undefined;
    }
  } else if (t === undefined && !value.includes('/')) {
    subject = value;
    project = defaultProject;
  } else
    throw new XnatError(
      `'${value}' is not an XNAT subject (expected /data/projects/{P}/subjects/{S}, or a subject label with a project in the configuration)`,
      0,
      value,
    );
  if (!project)
    throw new CscMlopsError(
      `cannot tell which XNAT project subject '${subject}' belongs to; put "project" in the XNAT configuration`,
    );
  const p = await ProjectData.load(session, project);
  return p.subject(subject, signal);
}
