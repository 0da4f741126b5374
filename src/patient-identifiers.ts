import { createHash } from 'node:crypto';

/**
 * Item keys whose values carry patient identifiers (PatientID, names, accession numbers, subject and
 * session labels, XNAT URIs built from labels), compared case- and underscore-insensitively.
 */
const IDENTIFIER_KEYS = new Set(
  [
    'PatientID',
    'PatientName',
    'PatientBirthDate',
    'AccessionNumber',
    'OtherPatientIDs',
    'subject',
    'subject_label',
    'subject_uri',
    'experiment_label',
    'session_label',
    'patient',
  ].map(normalise),
);

function normalise(key: string): string {
  return key.replace(/[_\s-]/g, '').toLowerCase();
}

let shown = process.env['CSC_MLOPS_SHOW_IDENTIFIERS'] === '1';

/**
 * Shows patient identifiers in error messages and progress lines (default: hidden, each replaced by
 * `#` and a short hash of it, see {@link identifierHash}). Also set by the environment variable
 * `CSC_MLOPS_SHOW_IDENTIFIERS=1`. Process-wide; worker threads keep them hidden.
 *
 * @example
 * showPatientIdentifiers(true); // while debugging on a machine allowed to see them
 */
export function showPatientIdentifiers(show: boolean): void {
  shown = show;
}

/** True when a data item key holds patient identifiers (`subject_label`, `PatientID`, ...). */
export function isIdentifierKey(key: string): boolean {
  return IDENTIFIER_KEYS.has(normalise(key));
}

/** `#` and the first 10 hex digits of SHA-256 of `value`: the same value always gives the same text. */
export function identifierHash(value: string): string {
  return `#${createHash('sha256').update(value).digest('hex').slice(0, 10)}`;
}

/** The value of identifier key `key` as messages may show it: hashed unless identifiers are shown. */
export function displayIdentifier(key: string, value: string): string {
  return shown || !isIdentifierKey(key) ? value : identifierHash(value);
}

/**
 * A file or zip entry path as messages may show it: quoted, or hashed unless identifiers are shown
 * (XNAT's zip entries start with the session label, and DICOM file names often carry it too).
 */
export function displayPathName(path: string): string {
  return shown ? `'${path}'` : identifierHash(path);
}

/**
 * A URL or text with the labels of an XNAT URI (the segment after `/subjects/` and `/experiments/`)
 * hashed unless identifiers are shown, for log lines and messages.
 */
export function redactUriLabels(text: string): string {
  if (shown) return text;
  return text.replace(
    /(\/(?:subjects|experiments)\/)([^/?#\s'"]+)/g,
    (_, prefix: string, label: string) => prefix + identifierHash(label),
  );
}
