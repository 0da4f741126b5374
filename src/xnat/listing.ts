import { XnatError } from '../errors.js';

/** One row of an XNAT listing: every value a string (XNAT's JSON). */
export type XnatRow = Record<string, string>;

/** The rows of a `{"ResultSet":{"Result":[...]}}` body; throws an XnatError naming the URL otherwise. */
export function resultRows(json: unknown, url: string): XnatRow[] {
  const rs = (json as { ResultSet?: { Result?: unknown } } | null)?.ResultSet;
  const result = rs?.Result;
  if (!Array.isArray(result))
    throw new XnatError(
      `XNAT listing ${url} has no ResultSet.Result array; is this an XNAT REST listing?`,
      200,
      url,
    );
  return result.map((r) => {
    const row: XnatRow = {};
    if (r && typeof r === 'object')
      for (const [k, v] of Object.entries(r as Record<string, unknown>))
        row[k] = v === null || v === undefined ? '' : String(v);
    return row;
  });
}

/** The `data_fields` of the first non-history item of a `{"items":[...]}` body. */
export function itemFields(json: unknown, url: string): Record<string, unknown> {
  const items = (json as { items?: unknown } | null)?.items;
  if (!Array.isArray(items) || items.length === 0)
    throw new XnatError(`XNAT item ${url} has no "items"; is this an XNAT REST object?`, 200, url);
  const item = (items.find((i) => !(i as { meta?: { isHistory?: boolean } })?.meta?.isHistory) ??
    items[0]) as {
    data_fields?: Record<string, unknown>;
  };
  return item.data_fields ?? {};
}
