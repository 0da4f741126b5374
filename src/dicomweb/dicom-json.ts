/**
 * Reading the DICOM JSON model (PS3.18 F.2) that QIDO-RS and WADO-RS metadata return:
 * `{ "0020000D": { "vr": "UI", "Value": ["1.2..."] } }`.
 */
import { META_ATTRIBUTES } from '../io/dicom/tags.js';

/** One dataset in the DICOM JSON model. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[]; BulkDataURI?: string } | undefined>;

const EXTRA: readonly [string, string][] = [
  ['ModalitiesInStudy', '00080061'],
  ['NumberOfStudyRelatedSeries', '00201206'],
  ['NumberOfStudyRelatedInstances', '00201208'],
  ['NumberOfSeriesRelatedInstances', '00201209'],
  ['StudyID', '00200010'],
  ['RetrieveURL', '00081190'],
  ['IssuerOfPatientID', '00100021'],
  ['ReferencedSOPSequence', '00081199'],
  ['FailedSOPSequence', '00081198'],
  ['FailureReason', '00081197'],
  ['ReferencedSOPInstanceUID', '00081155'],
];

const TAGS = new Map<string, string>([
  ...META_ATTRIBUTES.map((a): [string, string] => [a.keyword, a.tag.slice(1).toUpperCase()]),
  ...EXTRA,
]);

/** Keywords of attributes that identify a patient: redacted from messages unless revealed. */
export const IDENTIFYING_KEYWORDS: ReadonlySet<string> = new Set([
  ...META_ATTRIBUTES.filter((a) => a.identifying).map((a) => a.keyword),
  'PatientID',
  'AccessionNumber',
  'IssuerOfPatientID',
]);

/** The 8-hex-digit tag of a keyword (`PatientID` → `00100020`); a tag passes through; undefined if unknown. */
export function tagOf(keywordOrTag: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(keywordOrTag)) return keywordOrTag.toUpperCase();
  return TAGS.get(keywordOrTag);
}

/** The keyword of an 8-hex-digit tag we know, else the tag. */
export function keywordOf(tag: string): string {
  const t = tag.toUpperCase();
  for (const [k, v] of TAGS) if (v === t) return k;
  return t;
}

/** All values of an attribute (PN values as their `Alphabetic` form). */
export function jsonValues(ds: DicomJson, keyword: string): unknown[] {
  const tag = tagOf(keyword);
  const v = tag === undefined ? undefined : ds[tag]?.Value;
  if (!Array.isArray(v)) return [];
  return v.map((x) =>
    typeof x === 'object' && x !== null && 'Alphabetic' in x ? (x as { Alphabetic: unknown }).Alphabetic : x,
  );
}

/** The first value of an attribute as a string ('' when absent). */
export function jsonString(ds: DicomJson, keyword: string): string {
  const v = jsonValues(ds, keyword)[0];
  return v === undefined || v === null ? '' : String(v);
}

/** The first value of an attribute as a number (undefined when absent or not a number). */
export function jsonNumber(ds: DicomJson, keyword: string): number | undefined {
  const v = Number(jsonValues(ds, keyword)[0]);
  return jsonValues(ds, keyword).length > 0 && Number.isFinite(v) ? v : undefined;
}
