/**
 * MLflow's JSON encoding of metric values: NaN and ±Infinity travel as the strings `"NaN"`,
 * `"Infinity"`, `"-Infinity"` (`JSON.stringify(NaN)` would give `null`, which the server rejects).
 */
export type EncodedMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

/** Encodes a metric value for the REST API. */
export function encodeMetricValue(v: number): EncodedMetricValue {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** Decodes a metric value from the REST API (number or one of the special strings). */
export function decodeMetricValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^\s*nan\s*$/i.test(v)) return NaN;
    if (/^\s*\+?inf(inity)?\s*$/i.test(v)) return Infinity;
    if (/^\s*-inf(inity)?\s*$/i.test(v)) return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return NaN;
}
