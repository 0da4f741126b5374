import pLimit from 'p-limit';
import type { DicomwebClient } from './client.js';
import { type DicomJson, jsonNumber, jsonString, jsonValues } from './dicom-json.js';
import type { QidoQuery } from './query.js';

/** A DICOMweb series URI as data items store it: `/studies/{StudyInstanceUID}/series/{SeriesInstanceUID}`. */
export function seriesUri(studyUid: string, seriesUid: string): string {
  return `/studies/${studyUid}/series/${seriesUid}`;
}

/** The UIDs of a series URI, or undefined if `uri` is not one. */
export function parseSeriesUri(uri: string): { studyUid: string; seriesUid: string } | undefined {
  const m = /^\/studies\/([0-9.]+)\/series\/([0-9.]+)$/.exec(uri);
  return m ? { studyUid: m[1]!, seriesUid: m[2]! } : undefined;
}

/** A series as QIDO-RS describes it; what an action returns with a key: `[series, 'ct']`. */
export class DicomwebSeries {
  readonly uid: string;
  readonly studyUid: string;
  readonly modality: string;
  readonly description: string;
  readonly number: number | undefined;
  readonly bodyPart: string;
  /** NumberOfSeriesRelatedInstances, where the server returns it. */
  readonly instanceCount: number | undefined;
  /** Everything QIDO-RS returned for the series. */
  readonly attributes: DicomJson;

  constructor(attributes: DicomJson, studyUid?: string) {
    this.attributes = attributes;
    this.uid = jsonString(attributes, 'SeriesInstanceUID');
    this.studyUid = studyUid ?? jsonString(attributes, 'StudyInstanceUID');
    this.modality = jsonString(attributes, 'Modality');
    this.description = jsonString(attributes, 'SeriesDescription');
    this.number = jsonNumber(attributes, 'SeriesNumber');
    this.bodyPart = jsonString(attributes, 'BodyPartExamined');
    this.instanceCount = jsonNumber(attributes, 'NumberOfSeriesRelatedInstances');
  }

  /** `/studies/{study}/series/{series}`: what data items store. */
  get uri(): string {
    return seriesUri(this.studyUid, this.uid);
  }

  /** MONAI-ish alias of {@link description} (as XNAT scans have `series_description`). */
  get series_description(): string {
    return this.description;
  }
}

/** A study as QIDO-RS describes it, with its series. */
export class DicomwebStudy {
  readonly uid: string;
  /** StudyDate, `YYYYMMDD` ('' when absent). */
  readonly date: string;
  readonly description: string;
  readonly accessionNumber: string;
  readonly studyId: string;
  readonly modalities: string[];
  readonly attributes: DicomJson;
  /** Series by SeriesInstanceUID (server order). */
  readonly series = new Map<string, DicomwebSeries>();

  constructor(attributes: DicomJson) {
    this.attributes = attributes;
    this.uid = jsonString(attributes, 'StudyInstanceUID');
    this.date = jsonString(attributes, 'StudyDate');
    this.description = jsonString(attributes, 'StudyDescription');
    this.accessionNumber = jsonString(attributes, 'AccessionNumber');
    this.studyId = jsonString(attributes, 'StudyID');
    this.modalities = jsonValues(attributes, 'ModalitiesInStudy').map(String);
  }

  /** `/studies/{study}`. */
  get uri(): string {
    return `/studies/${this.uid}`;
  }
}

/**
 * A patient: QIDO-RS has no patient level, so patients are studies grouped by PatientID. What an
 * action receives: `(patient) => [series, 'ct'] | null`.
 */
export class DicomwebPatient {
  /** PatientID. */
  readonly id: string;
  /** PatientName (Alphabetic form) of the first study. */
  readonly name: string;
  readonly birthDate: string;
  readonly sex: string;
  /** Studies by StudyInstanceUID (server order). */
  readonly studies = new Map<string, DicomwebStudy>();

  constructor(firstStudy: DicomJson) {
    this.id = jsonString(firstStudy, 'PatientID');
    this.name = jsonString(firstStudy, 'PatientName');
    this.birthDate = jsonString(firstStudy, 'PatientBirthDate');
    this.sex = jsonString(firstStudy, 'PatientSex');
  }

  /** Every series of every study. */
  *allSeries(): IterableIterator<DicomwebSeries> {
    for (const s of this.studies.values()) yield* s.series.values();
  }
}

/** Options of {@link loadPatients}. */
export interface LoadPatientsOptions {
  /** Study-level QIDO query (PatientID, StudyDate, ModalitiesInStudy, ...). */
  query?: QidoQuery;
  /** Also list each study's series (default true). */
  series?: boolean;
  signal?: AbortSignal;
}

/**
 * Searches studies, groups them into patients by PatientID (first-seen order) and, unless
 * `series: false`, lists each study's series (concurrently, within the client's limit).
 */
export async function loadPatients(
  client: DicomwebClient,
  options: LoadPatientsOptions = {},
): Promise<DicomwebPatient[]> {
  const o = options.signal ? { signal: options.signal } : {};
  const studies = await client.searchStudies(options.query ?? {}, o);
  const patients = new Map<string, DicomwebPatient>();
  for (const ds of studies) {
    const id = jsonString(ds, 'PatientID');
    let p = patients.get(id);
    if (!p) patients.set(id, (p = new DicomwebPatient(ds)));
    const study = new DicomwebStudy(ds);
    p.studies.set(study.uid, study);
  }
  if (options.series !== false) {
    const limit = pLimit(client.concurrency);
    const all = [...patients.values()].flatMap((p) => [...p.studies.values()]);
    await Promise.all(
      all.map((study) =>
        limit(async () => {
          const list = await client.searchSeries(
            { includefield: ['NumberOfSeriesRelatedInstances', 'BodyPartExamined'] },
            study.uid,
            o,
          );
          for (const ds of list) {
            const s = new DicomwebSeries(ds, study.uid);
            study.series.set(s.uid, s);
          }
        }),
      ),
    );
  }
  return [...patients.values()];
}
