import { ConfigError } from '../errors.js';
import { IDENTIFYING_KEYWORDS, tagOf } from './dicom-json.js';

/** A DA range for QIDO-RS: either end may be open. Strings are `YYYYMMDD` or `YYYY-MM-DD`. */
export interface DateRange {
  from?: string | Date;
  to?: string | Date;
}

/**
 * A QIDO-RS search (PS3.18 10.6): attribute matches by keyword, wildcards (`*`, `?`) where the
 * standard allows them (names, descriptions), date ranges, `includefield`, `limit` / `offset`.
 *
 * @example
 * { PatientID: 'P001', StudyDate: { from: '2020-01-01' }, ModalitiesInStudy: 'MR', includefield: ['StudyDescription'] }
 */
export interface QidoQuery {
  PatientID?: string;
  PatientName?: string;
  AccessionNumber?: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  SOPInstanceUID?: string;
  StudyID?: string;
  StudyDate?: string | Date | DateRange;
  SeriesDate?: string | Date | DateRange;
  StudyDescription?: string;
  SeriesDescription?: string;
  ModalitiesInStudy?: string;
  Modality?: string;
  SeriesNumber?: number | string;
  InstanceNumber?: number | string;
  BodyPartExamined?: string;
  /** Any other attribute, by keyword or 8-hex-digit tag. */
  match?: Record<string, string>;
  /** Extra attributes to return (keywords or tags), or `'all'`. */
  includefield?: readonly string[] | 'all';
  /** Fuzzy matching of person names (server permitting). */
  fuzzymatching?: boolean;
  /** At most this many results (one page); without it the client pages through all results. */
  limit?: number;
  /** Skip this many results. */
  offset?: number;
}

const KNOWN: readonly (keyof QidoQuery)[] = [
  'PatientID',
  'PatientName',
  'AccessionNumber',
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'SOPInstanceUID',
  'StudyID',
  'StudyDate',
  'SeriesDate',
  'StudyDescription',
  'SeriesDescription',
  'ModalitiesInStudy',
  'Modality',
  'SeriesNumber',
  'InstanceNumber',
  'BodyPartExamined',
  'match',
  'includefield',
  'fuzzymatching',
  'limit',
  'offset',
];

function da(v: string | Date, key: string): string {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new ConfigError(`QIDO ${key}: invalid Date`);
    return v.toISOString().slice(0, 10).replace(/-/g, '');
  }
  const s = v.replace(/-/g, '');
  if (!/^\d{8}$/.test(s))
    throw new ConfigError(`QIDO ${key}: ${JSON.stringify(v)} is not a date (YYYYMMDD or YYYY-MM-DD)`);
  return s;
}

function dateParam(v: string | Date | DateRange, key: string): string {
  if (typeof v === 'string' || v instanceof Date) {
    if (typeof v === 'string' && /^\d{8}-\d{0,8}$|^-\d{8}$/.test(v)) return v; // already a DICOM range
    return da(v, key);
  }
  if (v.from === undefined && v.to === undefined)
    throw new ConfigError(`QIDO ${key}: a range needs from, to, or both`);
  return `${v.from === undefined ? '' : da(v.from, key)}-${v.to === undefined ? '' : da(v.to, key)}`;
}

/**
 * The query string of a QIDO-RS search. Unknown keys are refused (put other attributes in `match`).
 *
 * @example
 * qidoParams({ StudyDate: { from: '2020-01-01', to: '2020-12-31' }, limit: 10 }).toString()
 * // 'StudyDate=20200101-20201231&limit=10'
 */
export function qidoParams(query: QidoQuery = {}): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of Object.keys(query))
    if (!KNOWN.includes(k as keyof QidoQuery))
      throw new ConfigError(
        `QIDO query key '${k}' is not one we know; put other attributes in { match: { ${k}: '...' } } (keyword or tag)`,
      );
  for (const k of KNOWN) {
    const v = query[k];
    if (
      v === undefined ||
      k === 'match' ||
      k === 'includefield' ||
      k === 'limit' ||
      k === 'offset' ||
      k === 'fuzzymatching'
    )
      continue;
    if (k === 'StudyDate' || k === 'SeriesDate') p.set(k, dateParam(v as string | Date | DateRange, k));
    else p.set(k, String(v));
  }
  for (const [k, v] of Object.entries(query.match ?? {})) {
    if (tagOf(k) === undefined && !/^[A-Za-z]+$/.test(k))
      throw new ConfigError(`QIDO match key '${k}' is neither a DICOM keyword nor an 8-hex-digit tag`);
    p.set(k, v);
  }
  if (query.includefield === 'all') p.append('includefield', 'all');
  else for (const f of query.includefield ?? []) p.append('includefield', f);
  if (query.fuzzymatching !== undefined) p.set('fuzzymatching', String(query.fuzzymatching));
  for (const k of ['limit', 'offset'] as const) {
    const v = query[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < (k === 'limit' ? 1 : 0))
      throw new ConfigError(
        `QIDO ${k} must be an integer ≥ ${k === 'limit' ? 1 : 0} (got ${JSON.stringify(v)})`,
      );
    p.set(k, String(v));
  }
  return p;
}

/**
 * A URL (or query string) with the values of patient-identifying query parameters (PatientID,
 * PatientName, AccessionNumber, ... by keyword or tag) replaced by `*redacted*`, for messages and logs.
 */
export function redactIdentifiers(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const k of [...new Set(params.keys())]) {
    const keyword = /^[0-9A-Fa-f]{8}$/.test(k)
      ? [...IDENTIFYING_KEYWORDS].find((w) => tagOf(w) === k.toUpperCase())
      : k;
    if (keyword !== undefined && IDENTIFYING_KEYWORDS.has(keyword)) {
      params.set(k, '*redacted*');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}
