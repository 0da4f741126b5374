/**
 * JSON exactly as XNAT writes it. XNAT builds listing rows and item objects with org.json's
 * `JSONObject`, which keeps its keys in a `java.util.HashMap`: the key order on the wire is the
 * HashMap's bucket order, not the column order. Emulating Java's `String.hashCode` and HashMap's
 * bucket layout reproduces every recorded response in `test/fixtures/xnat/` key for key.
 */

/** A JSON value as XNAT's item builder emits it (numbers and booleans keep their types). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Java's `String.hashCode()` (UTF-16 code units, 32-bit wrap-around). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function spread(h: number): number {
  return h ^ (h >>> 16);
}

/**
 * Iteration order of a `java.util.HashMap` (default capacity 16, load factor 0.75) after putting
 * `keys` in this order: bucket by bucket, insertion order within a bucket (kept across resizes).
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let cap = 16;
  let buckets: string[][] = Array.from({ length: cap }, () => []);
  let size = 0;
  for (const k of keys) {
    const b = buckets[spread(javaStringHash(k)) & (cap - 1)] as string[];
    if (b.includes(k)) continue;
    b.push(k);
    size++;
    if (size > cap * 0.75) {
      const ncap = cap * 2;
      const nb: string[][] = Array.from({ length: ncap }, () => []);
      for (const bucket of buckets)
        for (const kk of bucket) (nb[spread(javaStringHash(kk)) & (ncap - 1)] as string[]).push(kk);
      cap = ncap;
      buckets = nb;
    }
  }
  return buckets.flat();
}

/** org.json's `JSONObject.quote`: escapes `"`, `\`, `</`, control characters and a few Unicode ranges. */
export function orgJsonQuote(s: string): string {
  let out = '"';
  let prev = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '/') out += prev === '<' ? '\\/' : '/';
    else if (c === '\b') out += '\\b';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\f') out += '\\f';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || (code >= 0x80 && code < 0xa0) || (code >= 0x2000 && code < 0x2100))
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
    prev = c;
  }
  return `${out}"`;
}

/**
 * Serialises like org.json's `toString()`: compact, objects in HashMap order (or `keyOrder` for the
 * top level when given), arrays in order.
 */
export function orgJsonStringify(v: JsonValue, keyOrder?: readonly string[]): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return orgJsonQuote(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map((x) => orgJsonStringify(x)).join(',')}]`;
  const keys = keyOrder ?? javaHashMapOrder(Object.keys(v));
  const parts: string[] = [];
  for (const k of keys) {
    const x = v[k];
    if (x === undefined) continue;
    parts.push(`${orgJsonQuote(k)}:${orgJsonStringify(x)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Options of {@link resultSetJson}. */
export interface ResultSetOptions {
  /** Row key order: `'hash'` (default listings) or an explicit column order (`columns=` given). */
  order: 'hash' | readonly string[];
  /** Write `"totalRecords"` (omitted on paged listings and file listings). */
  totalRecords: boolean;
  /** `"title"` written after `Result` (resources: `Resources`, files: `Files`). */
  title?: string;
  /** Write `"Columns":[{"key":"URI","serverRoot":""}]` before `Result` (file listings). */
  columnsHeader?: boolean;
}

/**
 * A listing body as `JSONTableRepresentation` writes it:
 * `{"ResultSet":{"Result":[...], "totalRecords": "N"}}` (note the spaces before `totalRecords`).
 * Every value is a string.
 */
export function resultSetJson(rows: readonly Record<string, string>[], opts: ResultSetOptions): string {
  const body = rows
    .map((r) =>
      orgJsonStringify(
        r,
        opts.order === 'hash' ? javaHashMapOrder(Object.keys(r)) : opts.order.filter((k) => k in r),
      ),
    )
    .join(',');
  let out = '{"ResultSet":{';
  if (opts.columnsHeader) out += '"Columns":[{"key":"URI","serverRoot":""}],';
  out += `"Result":[${body}]`;
  if (opts.totalRecords) out += `, "totalRecords": "${rows.length}"`;
  if (opts.title !== undefined) out += `, "title": ${orgJsonQuote(opts.title)}`;
  return `${out}}}`;
}
