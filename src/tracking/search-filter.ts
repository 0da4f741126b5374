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

function bad(msg: string): MlflowError {
  return new MlflowError(`Invalid filter: ${msg}`, 'INVALID_PARAMETER_VALUE', 400);
}

/**
 * Parses the subset of MLflow's run search syntax that covers day-to-day use: clauses
 * `<entity>.<key> <op> <value>` joined by `AND`, keys plain or quoted with backticks/double quotes,
 * values numbers or quoted strings, `IN ('a','b')`. (No `OR`, like MLflow.)
 */
export function parseSearchFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens: string[] = [];
  const re = /\s*(`[^`]*`|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\(|\)|,|!=|<=|>=|=|<|>|[^\s=<>!(),]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < filter.length && (m = re.exec(filter)) !== null) {
    if (m[1] === undefined) break;
    tokens.push(m[1]);
    pos = re.lastIndex;
  }
  if (filter.slice(pos).trim() !== '') throw bad(`cannot parse '${filter.slice(pos)}'`);
  const clauses: FilterClause[] = [];
  let i = 0;
  const unquote = (t: string) => (/^[`"']/.test(t) ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t);
  const value = (t: string | undefined): string | number => {
    if (t === undefined) throw bad('missing value');
    if (/^['"]/.test(t)) return unquote(t);
    const n = Number(t);
    if (Number.isNaN(n)) throw bad(`value ${t} must be a number or a quoted string`);
    return n;
  };
  while (i < tokens.length) {
    const ident = tokens[i++] ?? '';
    const dot = ident.indexOf('.');
    let entityName: string;
    let key: string;
    if (dot > 0 && !/^[`"]/.test(ident)) {
      entityName = ident.slice(0, dot);
      key = unquote(ident.slice(dot + 1));
    } else {
      entityName = 'attributes';
      key = unquote(ident);
    }
    const entity = ENTITY_ALIASES[entityName.toLowerCase()];
    if (entity === undefined)
      throw bad(`unknown entity '${entityName}' (use metrics., params., tags. or attributes.)`);
    let op = (tokens[i++] ?? '').toUpperCase();
    if (op === 'NOT' && (tokens[i] ?? '').toUpperCase() === 'IN') {
      i++;
      op = 'NOT IN';
    }
    if (!['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'].includes(op))
      throw bad(`unknown comparator '${op}'`);
    let v: FilterClause['value'];
    if (op === 'IN' || op === 'NOT IN') {
      if (tokens[i++] !== '(') throw bad(`${op} needs a parenthesised list`);
      const list: (string | number)[] = [];
      while (tokens[i] !== ')') {
        list.push(value(tokens[i++]));
        if (tokens[i] === ',') i++;
        else if (tokens[i] !== ')') throw bad('malformed IN list');
      }
      i++;
      v = list;
    } else {
      v = value(tokens[i++]);
    }
    clauses.push({ entity, key, op: op as FilterClause['op'], value: v });
    if (i < tokens.length) {
      if ((tokens[i] ?? '').toUpperCase() !== 'AND')
        throw bad(`expected AND, got '${tokens[i]}' (MLflow has no OR)`);
      i++;
    }
  }
  return clauses;
}

function likeToRegExp(pattern: string, flags: string): RegExp {
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
    if (!m || !m[1]) throw bad(`invalid order_by clause '${o}'`);
    const [clause] = parseSearchFilter(`${m[1]} = 0`);
    if (!clause) throw bad(`invalid order_by clause '${o}'`);
    return { entity: clause.entity, key: clause.key, desc: (m[2] ?? 'ASC').toUpperCase() === 'DESC' };
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

/** Encodes a result offset as an opaque page token (base64 JSON, as MLflow's). */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

/** Decodes a page token made by {@link encodePageToken}. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof o.offset === 'number' && Number.isSafeInteger(o.offset) && o.offset >= 0) return o.offset;
  } catch {
    /* fall through */
  }
  throw new MlflowError(`Invalid page token '${token}'`, 'INVALID_PARAMETER_VALUE', 400);
}
