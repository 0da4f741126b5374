import { MlflowError } from '../errors.js';
import type { MlflowRun } from './types.js';

/** One comparison of an MLflow search filter (`metrics.loss < 0.5`). */
export interface FilterClause {
  entity: 'metrics' | 'params' | 'tags' | 'attributes';
  key: string;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';
  value: string | number | (string | number)[];
}

const ENTITY_ALIASES: Record<string, FilterClause['entity']> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
};

/** A filter error, worded as MLflow's server words it (400 `INVALID_PARAMETER_VALUE`). */
function bad(msg: string): MlflowError {
  return new MlflowError(msg, 'INVALID_PARAMETER_VALUE', 400);
}

const VALID_ENTITIES = "Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']";
const NUMERIC_OPS = ['>', '>=', '!=', '=', '<', '<='];
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE'];
const ATTRIBUTE_OPS = [...NUMERIC_OPS, 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

function entityOf(name: string): FilterClause['entity'] {
  const entity = ENTITY_ALIASES[name.toLowerCase()];
  if (entity === undefined) throw bad(`Invalid entity type '${name}'. ${VALID_ENTITIES}`);
  return entity;
}

/** Splits `entity.key` (or a bare attribute name); keys may be quoted with backticks or double quotes. */
function identifier(ident: string): { entity: FilterClause['entity']; key: string } {
  const unquote = (t: string) => (/^[`"]/.test(t) ? t.slice(1, -1) : t);
  const dot = ident.indexOf('.');
  if (dot > 0 && !/^[`"]/.test(ident))
    return { entity: entityOf(ident.slice(0, dot)), key: unquote(ident.slice(dot + 1)) };
  return { entity: 'attributes', key: unquote(ident) };
}

/**
 * Parses MLflow's run search syntax: clauses `<entity>.<key> <op> <value>` joined by `AND`, keys plain or
 * quoted with backticks/double quotes, values numbers (metrics, numeric attributes) or quoted strings
 * (params, tags, string attributes), `IN ('a','b')` for attributes. No `OR`, like MLflow. Errors read as
 * the MLflow 2.9 server's (`Invalid clause(s) in filter string: 'OR'`).
 */
export function parseSearchFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens: string[] = [];
  const re =
    /\s*(`[^`]*`|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^()'"])*\)|!=|<=|>=|=|<|>|[^\s=<>!()]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < filter.length && (m = re.exec(filter)) !== null) {
    if (m[1] === undefined) break;
    tokens.push(m[1]);
    pos = re.lastIndex;
  }
  const rest = filter.slice(pos).trim();
  if (rest !== '') throw bad(`Invalid clause(s) in filter string: '${rest}'`);
  // clauses are the token runs between AND keywords
  const groups: string[][] = [[]];
  for (const t of tokens) {
    if (t.toUpperCase() === 'AND') groups.push([]);
    else groups[groups.length - 1]?.push(t);
  }
  return groups.map((g) => clause(g));
}

function clause(g: string[]): FilterClause {
  const notIn = g.length === 4 && g[1]?.toUpperCase() === 'NOT' && g[2]?.toUpperCase() === 'IN';
  if (g.length !== 3 && !notIn) {
    const words = g.filter((t) => /^[A-Za-z]+$/.test(t) && t.toUpperCase() === 'OR');
    const shown = words.length > 0 ? words : g;
    throw bad(`Invalid clause(s) in filter string: ${shown.map((t) => `'${t}'`).join(', ')}`);
  }
  const [ident = '', rawOp = '', raw = ''] = notIn ? [g[0], 'NOT IN', g[3]] : g;
  const { entity, key } = identifier(ident);
  const op = rawOp.toUpperCase();
  const quoted = /^['"]/.test(raw);
  const unq = (t: string) => t.slice(1, -1).replace(/\\(.)/g, '$1');
  if (entity === 'metrics') {
    if (!NUMERIC_OPS.includes(op))
      throw bad(`Invalid comparator '${rawOp}' not one of '{${NUMERIC_OPS.map((o) => `'${o}'`).join(', ')}}`);
    const n = Number(raw);
    if (quoted || raw.startsWith('(') || Number.isNaN(n))
      throw bad(`Expected numeric value type for metric. Found ${raw}`);
    return { entity, key, op: op as FilterClause['op'], value: n };
  }
  if (entity === 'params' || entity === 'tags') {
    const what = entity === 'params' ? 'parameter' : 'tag';
    if (!quoted) throw bad(`Expected a quoted string value for ${what} (e.g. 'my-value'). Got value ${raw}`);
    if (!STRING_OPS.includes(op))
      throw bad(`Invalid comparator '${rawOp}' not one of '{${STRING_OPS.map((o) => `'${o}'`).join(', ')}}`);
    return { entity, key, op: op as FilterClause['op'], value: unq(raw) };
  }
  if (!ATTRIBUTE_OPS.includes(op))
    throw bad(`Invalid comparator '${rawOp}' not one of '{${ATTRIBUTE_OPS.map((o) => `'${o}'`).join(', ')}}`);
  if (op === 'IN' || op === 'NOT IN') {
    if (!raw.startsWith('(')) throw bad(`Invalid clause(s) in filter string: '${raw}'`);
    const items = raw.slice(1, -1).match(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g) ?? [];
    return { entity, key, op: op as FilterClause['op'], value: items.map(unq) };
  }
  if (quoted) return { entity, key, op: op as FilterClause['op'], value: unq(raw) };
  const n = Number(raw);
  if (Number.isNaN(n)) throw bad(`Invalid clause(s) in filter string: '${raw}'`);
  return { entity, key, op: op as FilterClause['op'], value: n };
}

/** SQL `LIKE` pattern (`%`, `_`) as an anchored RegExp; `flags` `'i'` for `ILIKE`. */
export function likeToRegExp(pattern: string, flags: string): RegExp {
  const src = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${src}$`, flags);
}

function compare(
  actual: string | number | undefined,
  op: FilterClause['op'],
  expected: FilterClause['value'],
): boolean {
  if (actual === undefined) return false;
  switch (op) {
    case '=':
      return actual === expected || (typeof actual === 'number' && actual === Number(expected));
    case '!=':
      return !(actual === expected || (typeof actual === 'number' && actual === Number(expected)));
    case '<':
      return actual < (expected as number | string);
    case '<=':
      return actual <= (expected as number | string);
    case '>':
      return actual > (expected as number | string);
    case '>=':
      return actual >= (expected as number | string);
    case 'LIKE':
      return likeToRegExp(String(expected), '').test(String(actual));
    case 'ILIKE':
      return likeToRegExp(String(expected), 'i').test(String(actual));
    case 'IN':
      return (expected as (string | number)[]).includes(actual);
    case 'NOT IN':
      return !(expected as (string | number)[]).includes(actual);
  }
}

/** The value a filter or ordering clause reads from a run. */
export function runField(
  run: MlflowRun,
  entity: FilterClause['entity'],
  key: string,
): string | number | undefined {
  switch (entity) {
    case 'metrics':
      return run.data.metrics.find((m) => m.key === key)?.value;
    case 'params':
      return run.data.params.find((p) => p.key === key)?.value;
    case 'tags':
      return run.data.tags.find((t) => t.key === key)?.value;
    case 'attributes': {
      const k = key === 'run_id' || key === 'id' ? 'run_id' : key === 'run_name' ? 'run_name' : key;
      const v = (run.info as unknown as Record<string, unknown>)[k];
      return typeof v === 'number' || typeof v === 'string' ? v : undefined;
    }
  }
}

/** True when a run satisfies every clause. */
export function runMatches(run: MlflowRun, clauses: FilterClause[]): boolean {
  return clauses.every((c) => compare(runField(run, c.entity, c.key), c.op, c.value));
}

/**
 * Sorts runs by MLflow `order_by` clauses (`metrics.loss ASC`, `attributes.start_time DESC`); missing
 * values last; ties by start time (newest first) then run ID, as MLflow does.
 */
export function sortRuns(runs: MlflowRun[], orderBy: string[] | undefined): MlflowRun[] {
  const keys = (orderBy ?? []).map((o) => {
    const m = /^\s*(\S+?)(?:\s+(ASC|DESC))?\s*$/i.exec(o);
    if (!m || !m[1]) throw bad(`Invalid ordering key in order_by clause '${o}'.`);
    const { entity, key } = identifier(m[1]);
    return { entity, key, desc: (m[2] ?? 'ASC').toUpperCase() === 'DESC' };
  });
  return [...runs].sort((a, b) => {
    for (const k of keys) {
      const va = runField(a, k.entity, k.key);
      const vb = runField(b, k.entity, k.key);
      if (va === vb) continue;
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      if (c !== 0) return k.desc ? -c : c;
    }
    if (a.info.start_time !== b.info.start_time) return b.info.start_time - a.info.start_time;
    return a.info.run_id < b.info.run_id ? -1 : 1;
  });
}

/** Encodes a result offset as an opaque page token (base64 of Python's `json.dumps({"offset": n})`, as MLflow's). */
export function encodePageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/** Decodes a page token made by {@link encodePageToken}. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0)
    throw new MlflowError('Invalid page token, could not base64-decode', 'INVALID_PARAMETER_VALUE', 400);
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof o.offset === 'number' && Number.isSafeInteger(o.offset) && o.offset >= 0) return o.offset;
  } catch {
    /* fall through */
  }
  throw new MlflowError(`Invalid page token '${token}'`, 'INVALID_PARAMETER_VALUE', 400);
}
