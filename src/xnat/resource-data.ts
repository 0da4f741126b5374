import type { XnatRow } from './listing.js';
import type { XnatSession } from './session.js';
import { downloadFilesToDir } from './download.js';

/**
 * A resource (file catalog) of a scan, e.g. `DICOM` or `NIFTI`. An action may return one
 * (`[scan.resources ... , 'key']`) to load that resource instead of the scan's DICOM.
 */
export class ResourceData {
  /** `xnat_abstractresource_id`. */
  readonly id: string;
  readonly label: string;
  readonly format: string;
  readonly content: string;
  readonly file_count: number;
  readonly file_size: number;
  /** `{scan uri}/resources/{label}`. */
  readonly uri: string;
  readonly #session: XnatSession;

  constructor(session: XnatSession, scanUri: string, row: XnatRow, byId: boolean) {
    this.#session = session;
    this.id = row.xnat_abstractresource_id ?? '';
    this.label = row.label ?? '';
    this.format = row.format ?? '';
    this.content = row.content ?? '';
    this.file_count = Number(row.file_count ?? 0) || 0;
    this.file_size = Number(row.file_size ?? 0) || 0;
    this.uri = `${scanUri}/resources/${encodeURIComponent(byId || this.label === '' ? this.id : this.label)}`;
  }

  /** Downloads the resource's files into `dir` (a verified zip, unpacked in XNAT's layout); returns the file paths. */
  download(dir: string, opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    return downloadFilesToDir(this.#session, `${this.uri}/files`, dir, opts);
  }
}
