import { XnatCollection } from './collection.js';
import { downloadFilesToDir } from './download.js';
import type { ExperimentData } from './experiment-data.js';
import { type XnatRow, itemFields, resultRows } from './listing.js';
import { ResourceData } from './resource-data.js';
import type { XnatSession } from './session.js';
import { displayIdentifier } from '../patient-identifiers.js';

/**
 * A scan (one image series) of an experiment, as an action sees it. Listing fields are plain
 * properties; `frames`, `resources` and `details()` are fetched on first use (one request each,
 * remembered), so use them from an async action: `if ((await scan.frames) ?? 0 > 10)`.
 */
export class ImageScanData {
  /** Scan ID within the experiment (`'3'`). */
  readonly id: string;
  readonly type: string;
  readonly series_description: string;
  readonly quality: string;
  readonly note: string;
  readonly xsiType: string;
  /** `xnat_imagescandata_id`. */
  readonly xnat_imagescandata_id: string;
  /** `/data/experiments/{E}/scans/{id}`. */
  readonly uri: string;
  readonly experiment: ExperimentData;
  readonly #session: XnatSession;
  #details: Promise<Record<string, unknown>> | undefined;
  #resources: Promise<XnatCollection<ResourceData>> | undefined;

  constructor(session: XnatSession, experiment: ExperimentData, row: XnatRow) {
    this.#session = session;
    this.experiment = experiment;
    this.id = row.ID ?? '';
    this.type = row.type ?? '';
    this.series_description = row.series_description ?? '';
    this.quality = row.quality ?? '';
    this.note = row.note ?? '';
    this.xsiType = row.xsiType ?? '';
    this.xnat_imagescandata_id = row.xnat_imagescandata_id ?? '';
    this.uri = `${experiment.uri}/scans/${encodeURIComponent(this.id)}`;
  }

  /** The scan item's `data_fields` (one request, remembered). */
  details(): Promise<Record<string, unknown>> {
    this.#details ??= this.#session
      .cachedJson(this.uri, {
        what: `scan ${this.id} of experiment ${displayIdentifier('session_label', this.experiment.label)}`,
      })
      .then((j) => itemFields(j, this.#session.url(this.uri)));
    return this.#details;
  }

  /** Number of frames (images) in the series; only in the scan item, so fetched on first use. */
  get frames(): Promise<number | undefined> {
    return this.details().then((d) => {
      const f = Number(d.frames);
      return d.frames === undefined || d.frames === null || d.frames === '' || !Number.isFinite(f)
        ? undefined
        : f;
    });
  }

  /** The scan's resources (`DICOM`, `NIFTI`, `SNAPSHOTS`, ...), by ID or label; fetched on first use. */
  get resources(): Promise<XnatCollection<ResourceData>> {
    this.#resources ??= this.#session
      .cachedJson(`${this.uri}/resources`, {
        what: `resources of scan ${this.id} of experiment ${displayIdentifier('session_label', this.experiment.label)}`,
      })
      .then((j) => {
        const rows = resultRows(j, this.#session.url(`${this.uri}/resources`));
        const labels = rows.map((r) => r.label);
        const dup = (l: string | undefined) => labels.filter((x) => x === l).length > 1;
        return new XnatCollection(
          rows.map((r) => new ResourceData(this.#session, this.uri, r, dup(r.label))),
          (r) => r.label,
          `resources of scan ${this.id}`,
        );
      });
    return this.#resources;
  }

  /**
   * Downloads the scan's files into `dir` (its DICOM resource, else all its files; a verified zip
   * unpacked in XNAT's layout); returns the file paths.
   */
  async download(dir: string, opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    return downloadFilesToDir(
      this.#session,
      `${this.uri}/resources/DICOM/files`,
      dir,
      opts,
      `${this.uri}/files`,
    );
  }

  /** Plain data (for logs and JSON). */
  toJSON(): Record<string, string> {
    return {
      id: this.id,
      type: this.type,
      series_description: this.series_description,
      quality: this.quality,
      uri: this.uri,
    };
  }
}
