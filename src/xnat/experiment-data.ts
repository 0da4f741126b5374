import { XnatCollection } from './collection.js';
import { ImageScanData } from './image-scan-data.js';
import { type XnatRow, itemFields, resultRows } from './listing.js';
import type { XnatSession } from './session.js';
import type { SubjectData } from './subject-data.js';
import { displayIdentifier } from '../patient-identifiers.js';

const MODALITY: Record<string, string> = {
  mr: 'MR',
  ct: 'CT',
  pet: 'PT',
  petmr: 'PT',
  us: 'US',
  cr: 'CR',
  dx: 'DX',
  mg: 'MG',
  nm: 'NM',
  xa: 'XA',
  rt: 'RT',
  ot: 'OT',
  eeg: 'EEG',
  meg: 'MEG',
  seg: 'SEG',
};

/** `MR` for `xnat:mrSessionData`, `CT` for `xnat:ctSessionData`, `PT` for PET, ... (`''` if unknown). */
export function modalityFromXsiType(xsiType: string): string {
  const m = /^xnat:([a-z]+)SessionData$/i.exec(xsiType);
  return m ? (MODALITY[m[1]!.toLowerCase()] ?? m[1]!.toUpperCase()) : '';
}

/** The scan listing columns requested (all of what an action reads, in one request). */
export const SCAN_COLUMNS = 'ID,type,series_description,quality,note,xsiType,xnat_imagescandata_id,URI';

/**
 * An experiment (imaging session) with its scans loaded, as an action sees it. `modality` comes from
 * the session type (`xnat:mrSessionData` → `MR`); `details()` fetches the item's `data_fields`.
 */
export class ExperimentData {
  /** Accession ID (`XNAT_E00012`). */
  readonly id: string;
  readonly label: string;
  /** `YYYY-MM-DD` or `''`. */
  readonly date: string;
  readonly modality: string;
  readonly xsiType: string;
  readonly project: string;
  readonly insert_date: string;
  /** `/data/experiments/{id}`. */
  readonly uri: string;
  readonly subject: SubjectData;
  /** The experiment's scans, by scan ID (or type). */
  scans: XnatCollection<ImageScanData>;
  readonly #session: XnatSession;
  #details: Promise<Record<string, unknown>> | undefined;

  constructor(session: XnatSession, subject: SubjectData, row: XnatRow) {
    this.#session = session;
    this.subject = subject;
    this.id = row.ID ?? '';
    this.label = row.label ?? '';
    this.date = row.date ?? '';
    this.xsiType = row.xsiType ?? '';
    this.modality = modalityFromXsiType(this.xsiType);
    this.project = row.project ?? '';
    this.insert_date = row.insert_date ?? '';
    this.uri = `/data/experiments/${encodeURIComponent(this.id)}`;
    this.scans = new XnatCollection<ImageScanData>([], (s) => s.type, `scans of experiment ${this.label}`);
  }

  /** Loads the scan listing (one request, cached by the session). */
  async loadScans(): Promise<this> {
    const path = `${this.uri}/scans`;
    const json = await this.#session.cachedJson(path, {
      query: { columns: SCAN_COLUMNS },
      what: `scans of experiment '${displayIdentifier('session_label', this.label)}' (${this.id})`,
    });
    const rows = resultRows(json, this.#session.url(path));
    this.scans = new XnatCollection(
      rows.map((r) => new ImageScanData(this.#session, this, r)),
      (s) => s.type,
      `scans of experiment ${this.label}`,
    );
    return this;
  }

  /** The experiment item's `data_fields` (one request, remembered): `modality`, `UID`, scanner fields, ... */
  details(): Promise<Record<string, unknown>> {
    this.#details ??= this.#session
      .cachedJson(this.uri, {
        what: `experiment '${displayIdentifier('session_label', this.label)}' (${this.id})`,
      })
      .then((j) => itemFields(j, this.#session.url(this.uri)));
    return this.#details;
  }

  /** Plain data (for logs and JSON). */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      label: this.label,
      date: this.date,
      modality: this.modality,
      xsiType: this.xsiType,
      uri: this.uri,
      scans: [...this.scans.values()].map((s) => s.toJSON()),
    };
  }
}
