/**
 * The JSON description of a stand-in XNAT archive (`xnat.json`), and the folder layout it can be
 * made from. Every field not given gets XNAT's default or a value derived from the files (DICOM
 * headers: series description, modality, series UID, study date).
 *
 * @example
 * const desc: StandInDescription = {
 *   projects: [{ id: 'P', subjects: [{ label: 'S01', experiments: [{ label: 'S01_MR1',
 *     scans: [{ id: '1', dir: 'brain_series' }] }] }] }],
 * };
 */
export interface StandInDescription {
  /** XNAT site ID: accession IDs are `{siteId}_S00001`, `{siteId}_E00001` (default `XNAT`). */
  siteId?: string;
  /** Accepted `user: password` pairs (default `{ admin: 'admin' }`). */
  users?: Record<string, string>;
  projects: StandInProjectSpec[];
}

/** Meta block of an item (`create_event_id`, `start_date` as Java's `Date.toString()`). */
export interface StandInMetaSpec {
  create_event_id?: number;
  start_date?: string;
}

/** A project. */
export interface StandInProjectSpec {
  id: string;
  name?: string;
  secondary_ID?: string;
  description?: string;
  pi_firstname?: string;
  pi_lastname?: string;
  /** Other names the project answers to (XNAT project aliases). */
  aliases?: string[];
  subjects?: StandInSubjectSpec[];
}

/** A subject (listed in the enclosing project; `project` names the owner when it is shared in). */
export interface StandInSubjectSpec {
  label: string;
  /** Accession ID (default `{siteId}_S{n}`). */
  id?: string;
  /** Owning project when the subject is shared into the enclosing one. */
  project?: string;
  insert_date?: string;
  insert_user?: string;
  /** Extra `data_fields` of the subject item. */
  fields?: Record<string, string | number | boolean>;
  meta?: StandInMetaSpec;
  experiments?: StandInExperimentSpec[];
}

/** An imaging session. */
export interface StandInExperimentSpec {
  label: string;
  /** Accession ID (default `{siteId}_E{n}`). */
  id?: string;
  /** `YYYY-MM-DD` (default: the DICOM StudyDate, else empty). */
  date?: string;
  /** e.g. `xnat:mrSessionData` (default from the modality). */
  xsiType?: string;
  /** e.g. `MR` (default from the scans' DICOM Modality). */
  modality?: string;
  project?: string;
  insert_date?: string;
  insert_user?: string;
  fields?: Record<string, string | number | boolean>;
  meta?: StandInMetaSpec;
  scans?: StandInScanSpec[];
}

/** One scan (series). Give `dir` (files become DICOM / NIFTI / other resources) and/or `resources`. */
export interface StandInScanSpec {
  id: string;
  /** Default: the DICOM SeriesDescription, else `Unknown`. */
  type?: string;
  /** Default: the DICOM SeriesDescription. */
  series_description?: string;
  quality?: string;
  note?: string;
  xsiType?: string;
  /** Default: the number of DICOM files. */
  frames?: number;
  modality?: string;
  UID?: string;
  xnat_imagescandata_id?: number;
  fields?: Record<string, string | number | boolean>;
  meta?: StandInMetaSpec;
  /** Projects the scan is shared into (`sharing/share` children). */
  shares?: { project: string; label?: string; id?: number; meta?: StandInMetaSpec }[];
  /** A folder (relative to the description file) of this scan's files. */
  dir?: string;
  resources?: StandInResourceSpec[];
}

/** A resource (file catalog) of a scan. */
export interface StandInResourceSpec {
  label: string;
  /** `xnat_abstractresource_id` (default: a running number). */
  id?: number;
  format?: string;
  content?: string;
  tags?: (string | { tag: string; id?: number; meta?: StandInMetaSpec })[];
  /** The catalog path XNAT reports as the resource's `URI` data field. */
  catalogUri?: string;
  /** Overrides of the counts XNAT reports (default: from the files). */
  file_count?: number;
  file_size?: number;
  meta?: StandInMetaSpec;
  /** A folder whose files (recursively) make up the resource. */
  dir?: string;
  files?: StandInFileSpec[];
}

/** A file of a resource: from disk (`path`) or inline (`text` / `base64`). */
export interface StandInFileSpec {
  /** Path inside the resource (`a.dcm`, `series1/a.dcm`). */
  name: string;
  path?: string;
  text?: string;
  base64?: string;
}
