/**
 * An MLflow 2.9 tracking server stand-in for tests (bound to 127.0.0.1, port 0), held to the exchanges
 * recorded from a real MLflow 2.9 server (test/fixtures/mlflow; mlflow-replay.test.ts replays all of
 * them): Flask routing (404 HTML pages, 405 with `Allow`, OPTIONS, HEAD), MLflow's request checks and
 * messages (Python reprs in type errors, malformed JSON read as `{}`, bare NaN tokens), proto3 JSON
 * answers (empty fields omitted), log-batch limits and atomicity, immutable params, NaN/±Infinity as the
 * SQL store keeps them, metric history sorted by timestamp, run/experiment/model searches with MLflow's
 * filters, order and page tokens, the `mlflow-artifacts` proxy (sorted listings, download headers, `..`
 * refused) or its absence (`serveArtifacts: false`), and the model registry. On top of that it can
 * inject faults (nginx HTML pages, 5xx, …), require auth (nginx basic auth or MLflow's basic-auth app),
 * emulate nginx `client_max_body_size`, serve under a path prefix (nginx sub-path), and answer as a 3.x
 * server (`version`, tag values up to 8000 characters).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MlflowError } from '../../src/errors.js';
import { normPath } from '../../src/tracking/limits.js';
import {
  decodePageToken,
  encodePageToken,
  likeToRegExp,
  parseSearchFilter,
  runMatches,
  sortRuns,
} from '../../src/tracking/search-filter.js';
import type { MlflowRun } from '../../src/tracking/types.js';

/** A canned response for matching requests. */
export interface Fault {
  /** Path relative to the prefix, e.g. `/api/2.0/mlflow/runs/log-batch`, or a RegExp on it. */
  path: string | RegExp;
  method?: string;
  status: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** How many requests it answers (default 1). */
  times?: number;
}

/** One request seen by the stand-in. */
export interface LoggedRequest {
  method: string;
  /** Path without the prefix and query. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body for API calls (undefined otherwise). */
  json: unknown;
  bodyBytes: number;
  status: number;
}

/** Options of {@link startMlflowStandIn}. */
export interface StandInOptions {
  /** `mlflow-artifacts:` (default, `--serve-artifacts`) or e.g. `s3://mlflow` (the csc-mlops stack). */
  defaultArtifactRoot?: string;
  /** Require credentials. */
  auth?: { username: string; password: string } | { token: string };
  /** `nginx`: HTML 401 page (auth_basic); `mlflow`: MLflow's basic-auth app (plain text 401). */
  authStyle?: 'nginx' | 'mlflow';
  /** Emulates nginx `client_max_body_size`: bigger bodies get nginx's HTML 413 page. */
  maxBodyBytes?: number;
  /** Path prefix (nginx `location /mlflow/`). */
  prefix?: string;
  /** What `GET /version` answers (default `2.9.2.dev0`, the recorded server). */
  version?: string;
  /** Run tag value limit (default by `version`: 5000 for 2.x, 8000 for 3.x). */
  maxTagValueLength?: number;
  /**
   * `--serve-artifacts` (default true): the `mlflow-artifacts` proxy answers. With false, the proxy
   * answers 503 and `defaultArtifactRoot` should be a local folder or an object store URI.
   */
  serveArtifacts?: boolean;
  /** `--artifacts-destination`, only named in error messages (default `/mlartifacts`). */
  artifactsDestination?: string;
  /** Clamp ±Infinity metric values to ±1.7976931348623157e308 as the SQL store does (default true). */
  clampInfinity?: boolean;
}

interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}

interface StoredMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface Run {
  info: {
    run_id: string;
    run_uuid: string;
    run_name: string;
    experiment_id: string;
    user_id: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: 'active' | 'deleted';
  };
  metrics: StoredMetric[];
  params: Map<string, string>;
  tags: Map<string, string>;
}

interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  tags: { key: string; value: string }[];
}

interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  tags: { key: string; value: string }[];
  aliases: Map<string, string>;
  versions: ModelVersion[];
}

/** The running stand-in. */
export interface MlflowStandIn {
  /** Base URL (including the prefix), e.g. `http://127.0.0.1:41234/mlflow`. */
  url: string;
  /** Every request, in arrival order. */
  requests: LoggedRequest[];
  /** Queues a fault. */
  addFault(f: Fault): void;
  /** Artifacts stored through the proxy, by path (`<exp>/<run>/artifacts/<file>`). */
  artifacts: Map<string, Buffer>;
  /** Internal state, for assertions. */
  state: {
    experiments: Map<string, Experiment>;
    runs: Map<string, Run>;
    models: Map<string, RegisteredModel>;
  };
  /** API requests to one endpoint (e.g. `runs/log-batch`). */
  calls(endpoint: string): LoggedRequest[];
  close(): Promise<void>;
}

const MAX_KEY = 250;
const MAX_PARAM_VALUE = 6000;
const DBL_MAX = 1.7976931348623157e308;
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (msg: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', msg);
const notFound = (msg: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', msg);

/** nginx's HTML error page for a status (as nginx 1.22 renders it). */
export function nginxPage(status: number, reason: string): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n`;
}

const FLASK_404 =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

const FLASK_405 =
  '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n';

const FLASK_500 =
  '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n';

const NO_UI =
  "\nUnable to display MLflow UI - landing page (index.html) not found.\n\nYou are very likely running the MLflow server using a source installation of the Python MLflow\npackage.\n\nIf you are a developer making MLflow source code changes and intentionally running a source\ninstallation of MLflow, you can view the UI by running the Javascript dev server:\nhttps://github.com/mlflow/mlflow/blob/master/CONTRIBUTING.md#running-the-javascript-dev-server\n\nOtherwise, uninstall MLflow via 'pip uninstall mlflow', reinstall an official MLflow release\nfrom PyPI via 'pip install mlflow', and rerun the MLflow server.\n";

const HTML = 'text/html; charset=utf-8';

/** A Flask HTML error page (the server answers these where no MLflow handler catches the error). */
class HtmlError extends Error {
  constructor(
    readonly status: number,
    readonly page: string,
  ) {
    super(page);
  }
}

/** The REST endpoints of MLflow 2.9 and their methods (a wrong method is Flask's 405). */
const ENDPOINTS: Record<string, string[]> = {
  'experiments/create': ['POST'],
  'experiments/get': ['GET'],
  'experiments/get-by-name': ['GET'],
  'experiments/search': ['GET', 'POST'],
  'experiments/set-experiment-tag': ['POST'],
  'experiments/update': ['POST'],
  'experiments/delete': ['POST'],
  'experiments/restore': ['POST'],
  'runs/create': ['POST'],
  'runs/update': ['POST'],
  'runs/get': ['GET'],
  'runs/delete': ['POST'],
  'runs/restore': ['POST'],
  'runs/search': ['POST'],
  'runs/log-metric': ['POST'],
  'runs/log-parameter': ['POST'],
  'runs/set-tag': ['POST'],
  'runs/delete-tag': ['POST'],
  'runs/log-batch': ['POST'],
  'runs/log-model': ['POST'],
  'runs/log-inputs': ['POST'],
  'metrics/get-history': ['GET'],
  'metrics/get-history-bulk': ['GET'],
  'artifacts/list': ['GET'],
  'registered-models/create': ['POST'],
  'registered-models/get': ['GET'],
  'registered-models/search': ['GET'],
  'registered-models/update': ['PATCH'],
  'registered-models/rename': ['POST'],
  'registered-models/delete': ['DELETE'],
  'registered-models/set-tag': ['POST'],
  'registered-models/delete-tag': ['DELETE'],
  'registered-models/get-latest-versions': ['GET', 'POST'],
  'registered-models/alias': ['POST', 'GET', 'DELETE'],
  'model-versions/create': ['POST'],
  'model-versions/get': ['GET'],
  'model-versions/update': ['PATCH'],
  'model-versions/delete': ['DELETE'],
  'model-versions/search': ['GET'],
  'model-versions/get-download-uri': ['GET'],
  'model-versions/set-tag': ['POST'],
  'model-versions/delete-tag': ['DELETE'],
  'model-versions/transition-stage': ['POST'],
};

/** Flask's `Allow` header for a rule with these methods. */
function allowHeader(methods: string[]): string {
  return [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
}

/**
 * Parses a request body as MLflow 2.9 does (Python's JSON reader through Flask): bare `NaN`/`Infinity`
 * tokens are taken, a JSON string holding JSON is decoded again, and a body that is not JSON reads as an
 * empty object. `undefined` means a JSON array or another non-object (the server fails with a 500 page).
 */
function parseRequestJson(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g, (m, bare?: string) =>
    bare === undefined ? m : JSON.stringify(BARE_TOKEN),
  );
  let v: unknown;
  try {
    v = JSON.parse(marked);
    if (typeof v === 'string') v = JSON.parse(v);
  } catch {
    return {};
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** MLflow's `TEXT_EXTENSIONS`: served as text/plain (also .json). */
const TEXT_EXTENSIONS = new Set(
  'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst MLmodel mlproject'.split(
    ' ',
  ),
);
const MIME_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  html: 'text/html',
  htm: 'text/html',
  pdf: 'application/pdf',
};

/** MLflow's `_guess_mime_type` for artifact downloads. */
function guessMimeType(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1) : name;
  if (TEXT_EXTENSIONS.has(ext)) return 'text/plain';
  return MIME_TYPES[ext.toLowerCase()] ?? 'application/octet-stream';
}

const ADJ = ['unique', 'brave', 'calm', 'eager', 'gentle', 'jolly', 'silent', 'rare'];
const ANIMAL = ['crab', 'owl', 'fox', 'whale', 'lynx', 'moth', 'seal', 'wren'];

type EntityKind = 'metric' | 'parameter' | 'tag';
const KEY_LABEL: Record<EntityKind, string> = {
  metric: 'Metric name',
  parameter: 'Param key',
  tag: 'Tag key',
};

/** MLflow's key rules: characters, names that resolve to other paths, and (where checked) length. */
function checkKey(kind: EntityKind, key: string, checkLength = true): string {
  if (!/^[/\p{L}\p{N}\p{M}_.\- ]*$/u.test(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  const norm = normPath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
  if (checkLength && key.length > MAX_KEY)
    throw invalid(
      `${KEY_LABEL[kind]} '${key.slice(0, MAX_KEY)}' had length ${key.length}, which exceeded length limit of ${MAX_KEY}`,
    );
  return key;
}

function requireField(body: Record<string, unknown>, name: string): unknown {
  const v = body[name];
  if (v === undefined || v === null || v === '') throw missing(name);
  return v;
}

/** A required string field (a non-string is a type error, as MLflow's request schema checks it). */
function requireString(body: Record<string, unknown>, name: string): string {
  const v = requireField(body, name);
  if (typeof v !== 'string') throw typeError(name, v);
  return v;
}

/** Python's repr of a JSON value, as MLflow's messages print request values. */
function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string')
    return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function pyType(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return Array.isArray(v) ? 'list' : 'dict';
}

/** MLflow's answer to a request field of the wrong type. */
function typeError(name: string, v: unknown): ApiError {
  return invalid(
    `Invalid value ${typeof v === 'string' ? v : pyRepr(v)} for parameter '${name}' supplied. Hint: Value was of type '${pyType(v)}'. See the API docs for more information about request parameters.`,
  );
}

function missing(name: string): ApiError {
  return invalid(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

/** An int64 field: JSON numbers and numeric strings (protobuf's JSON parser takes both). */
function int64(v: unknown, name: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw typeError(name, v);
  return n;
}

/** A bare `NaN`/`Infinity`/`-Infinity` token in a request body (Python's JSON reader takes them). */
const BARE_TOKEN = '\u0000bare-token';

/**
 * A metric value as MLflow 2.9 takes it: numbers, numeric strings, `"NaN"`, `"Infinity"`/`"inf"` (any
 * case), `"-Infinity"`. `undefined` means the protobuf parser rejected the value (`"nan"`, a bare token,
 * `1e999`, `"oops"` in log-batch), which the server answers with 200 while storing value 0, timestamp 0.
 */
function metricValue(v: unknown, clamp: boolean, strict: boolean): number | undefined {
  let n: number | undefined;
  if (typeof v === 'number') n = Number.isFinite(v) ? v : undefined;
  else if (v === 'NaN') n = NaN;
  else if (typeof v === 'string' && /^[+-]?inf(inity)?$/i.test(v.trim()))
    n = v.trim().startsWith('-') ? -Infinity : Infinity;
  else if (typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v)) n = Number(v);
  else if (typeof v === 'string' && /^[+-]?nan$/i.test(v.trim())) n = undefined;
  else if (v === BARE_TOKEN || !strict) n = undefined;
  else throw typeError('value', v);
  if (clamp && n === Infinity) return DBL_MAX;
  if (clamp && n === -Infinity) return -DBL_MAX;
  return n;
}

function encodeValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** A required query parameter; a repeated one is a Python list, as Flask hands it to MLflow. */
function queryField(q: URLSearchParams, name: string): string {
  const all = q.getAll(name);
  if (all.length === 0 || all[0] === '') throw missing(name);
  return all.length === 1 ? (all[0] ?? '') : pyRepr(all);
}

/** `ACTIVE_ONLY` (1), `DELETED_ONLY` (2) or `ALL` (3); an unknown name means ACTIVE_ONLY. */
function viewType(v: unknown): 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' {
  if (v === 'DELETED_ONLY' || v === 2 || v === '2') return 'DELETED_ONLY';
  if (v === 'ALL' || v === 3 || v === '3') return 'ALL';
  return 'ACTIVE_ONLY';
}

function compareText(actual: string | undefined, op: string, expected: string): boolean {
  if (actual === undefined) return false;
  if (op === '=') return actual === expected;
  if (op === '!=') return actual !== expected;
  if (op === 'LIKE') return likeToRegExp(expected, 's').test(actual);
  return likeToRegExp(expected, 'is').test(actual);
}

/** MLflow 2.9's experiment search filter: `name`/`attribute.name` and `tags.<key>`, clauses joined by AND. */
function experimentFilter(filter: string): (e: Experiment) => boolean {
  if (filter.trim() === '') return () => true;
  const clauses = filter.split(/\s+AND\s+/i).map((c) => {
    if (/\sOR\s/i.test(c)) throw invalid('Invalid clause(s) in filter string: OR');
    const m = /^\s*(?:(\w+)\.)?(`[^`]+`|[\w.]+)\s*(=|!=|LIKE|ILIKE)\s*'([^']*)'\s*$/i.exec(c);
    if (!m) throw invalid(`Invalid clause(s) in filter string: ${filter}`);
    const entity = (m[1] ?? 'attribute').toLowerCase();
    if (!['attribute', 'tag', 'tags'].includes(entity))
      throw invalid(`Invalid entity type '${m[1]}'. Valid entity types are ('attribute', 'tag', 'tags')`);
    return { entity, key: (m[2] ?? '').replace(/`/g, ''), op: (m[3] ?? '').toUpperCase(), value: m[4] ?? '' };
  });
  return (e) =>
    clauses.every((c) =>
      compareText(
        c.entity === 'attribute' ? (c.key === 'name' ? e.name : undefined) : e.tags.get(c.key),
        c.op,
        c.value,
      ),
    );
}

/** Experiment order: the `order_by` clauses, then newest first (creation time, then id). */
function experimentOrder(orderBy: string[]): (a: Experiment, b: Experiment) => number {
  const keys = orderBy.map((o) => {
    const m =
      /^\s*(?:attribute\.)?(name|creation_time|last_update_time|experiment_id)(?:\s+(ASC|DESC))?\s*$/i.exec(
        o,
      );
    if (!m) throw invalid(`Invalid order_by clause '${o}'.`);
    return {
      key: (m[1] ?? '') as 'name' | 'creation_time' | 'last_update_time' | 'experiment_id',
      desc: /desc/i.test(m[2] ?? ''),
    };
  });
  return (a, b) => {
    for (const k of keys) {
      const va = k.key === 'experiment_id' ? Number(a.experiment_id) : a[k.key];
      const vb = k.key === 'experiment_id' ? Number(b.experiment_id) : b[k.key];
      if (va !== vb) return (va < vb ? -1 : 1) * (k.desc ? -1 : 1);
    }
    return b.creation_time - a.creation_time || Number(b.experiment_id) - Number(a.experiment_id);
  };
}

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

function tagList(v: unknown): { key: string; value: string }[] {
  return Array.isArray(v)
    ? v.map((t: { key?: unknown; value?: unknown }) => ({ key: String(t.key), value: String(t.value ?? '') }))
    : [];
}

/** MLflow's model version source check: a URI or path with an absolute path and no `..`. */
function checkSource(source: string): void {
  const m = /^([a-zA-Z][\w+.-]*):(\/\/[^/]*)?(.*)$/.exec(source);
  const path = m ? (m[3] ?? '') : source;
  if (!path.startsWith('/') || path.split('/').includes('..'))
    throw invalid(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
}

/** MLflow 2.9's registered model search filter: `name` (=, !=, LIKE, ILIKE) and `tags.<key>`. */
function modelFilter(filter: string): (m: RegisteredModel) => boolean {
  if (filter.trim() === '') return () => true;
  const clauses = filter.split(/\s+AND\s+/i).map((c) => {
    const m = /^\s*(?:(\w+)\.)?(`[^`]+`|[\w.]+)\s*(=|!=|LIKE|ILIKE)\s*'([^']*)'\s*$/i.exec(c);
    if (!m) throw invalid(`Invalid clause(s) in filter string: ${filter}`);
    const isTag = m[1] !== undefined && /^tags?$/i.test(m[1]);
    const key = (m[2] ?? '').replace(/`/g, '');
    if (!isTag && key !== 'name')
      throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '{'name'}'`);
    return { isTag, key, op: (m[3] ?? '').toUpperCase(), value: m[4] ?? '' };
  });
  return (r) =>
    clauses.every((c) =>
      compareText(c.isTag ? r.tags.find((t) => t.key === c.key)?.value : r.name, c.op, c.value),
    );
}

/** Starts the stand-in on 127.0.0.1 with a free port. */
export async function startMlflowStandIn(options: StandInOptions = {}): Promise<MlflowStandIn> {
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const root = (options.defaultArtifactRoot ?? 'mlflow-artifacts:').replace(/\/+$/, '');
  const version = options.version ?? '2.9.2.dev0';
  const maxTagValue = options.maxTagValueLength ?? (Number(version.split('.')[0]) >= 3 ? 8000 : 5000);
  const serveArtifacts = options.serveArtifacts ?? true;
  const artifactsDestination = options.artifactsDestination ?? '/mlartifacts';
  const clamp = options.clampInfinity ?? true;
  const experiments = new Map<string, Experiment>();
  const runs = new Map<string, Run>();
  const models = new Map<string, RegisteredModel>();
  const artifacts = new Map<string, Buffer>();
  const requests: LoggedRequest[] = [];
  const faults: (Fault & { left: number })[] = [];
  let nextExperimentId = 0;
  let lastTick = 0;
  /** Server timestamps: wall time in ms, strictly increasing (orders made in the same ms stay ordered). */
  const tick = () => (lastTick = Math.max(Date.now(), lastTick + 1));
  let nameCounter = 100;

  const artifactLocationFor = (id: string) =>
    root === 'mlflow-artifacts:' ? `mlflow-artifacts:/${id}` : `${root}/${id}`;
  const createExperiment = (
    name: string,
    artifactLocation?: string,
    tags: { key: string; value: string }[] = [],
  ) => {
    const id = String(nextExperimentId++);
    const now = tick();
    experiments.set(id, {
      experiment_id: id,
      name,
      artifact_location: artifactLocation ?? artifactLocationFor(id),
      lifecycle_stage: 'active',
      creation_time: now,
      last_update_time: now,
      tags: new Map(tags.map((t) => [t.key, t.value])),
    });
    return id;
  };
  createExperiment('Default');

  const expJson = (e: Experiment) => ({
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: e.last_update_time,
    creation_time: e.creation_time,
    ...(e.tags.size > 0 ? { tags: [...e.tags].map(([key, value]) => ({ key, value })) } : {}),
  });

  const latestMetrics = (r: Run) => {
    const latest = new Map<string, StoredMetric>();
    for (const m of r.metrics) {
      const cur = latest.get(m.key);
      const better =
        !cur ||
        m.step > cur.step ||
        (m.step === cur.step && m.timestamp > cur.timestamp) ||
        (m.step === cur.step &&
          m.timestamp === cur.timestamp &&
          (m.value > cur.value || Number.isNaN(m.value)));
      if (better) latest.set(m.key, m);
    }
    return [...latest.values()];
  };

  const runJson = (r: Run, withInputs = true) => {
    const metrics = latestMetrics(r).map((m) => ({ ...m, value: encodeValue(m.value) }));
    const data: Record<string, unknown> = {};
    if (metrics.length > 0) data.metrics = metrics;
    if (r.params.size > 0) data.params = [...r.params].map(([key, value]) => ({ key, value }));
    if (r.tags.size > 0) data.tags = [...r.tags].map(([key, value]) => ({ key, value }));
    return { info: { ...r.info }, data, ...(withInputs ? { inputs: {} } : {}) };
  };

  const runForSearch = (r: Run): MlflowRun => ({
    info: { ...r.info, status: r.info.status as MlflowRun['info']['status'] },
    data: {
      metrics: latestMetrics(r),
      params: [...r.params].map(([key, value]) => ({ key, value })),
      tags: [...r.tags].map(([key, value]) => ({ key, value })),
    },
  });

  /** The run named by `run_id` (or the deprecated `run_uuid`). */
  const runId = (body: Record<string, unknown>): string => {
    const id = body.run_id ?? body.run_uuid;
    if (id === undefined || id === null || id === '') throw missing('run_id');
    if (typeof id !== 'string') throw typeError('run_id', id);
    return id;
  };

  const getRun = (id: string): Run => {
    const r = runs.get(id);
    if (!r) throw notFound(`Run with id=${id} not found`);
    return r;
  };

  const activeRun = (id: string): Run => {
    const r = getRun(id);
    if (r.info.lifecycle_stage !== 'active') {
      throw invalid(
        `The run ${r.info.run_id} must be in the 'active' state. Current state is ${r.info.lifecycle_stage}.`,
      );
    }
    return r;
  };

  const paramValue = (key: string, value: string) => {
    if (value.length > MAX_PARAM_VALUE)
      throw invalid(
        `Param value '${value.slice(0, MAX_KEY)}' had length ${value.length}, which exceeded length limit of ${MAX_PARAM_VALUE}`,
      );
    checkKey('parameter', key);
  };

  const checkTag = (key: string, value: string) => {
    checkKey('tag', key);
    if (value.length > maxTagValue)
      throw invalid(
        `Tag value '${value.slice(0, MAX_KEY)}' had length ${value.length}, which exceeded length limit of ${maxTagValue}`,
      );
  };

  const setTag = (r: Run, key: string, value: string) => {
    r.tags.set(key, value);
    if (key === 'mlflow.runName') r.info.run_name = value;
  };

  /** Stores a metric point; an identical point is stored once (the SQL store's primary key). */
  const storeMetric = (r: Run, m: StoredMetric) => {
    const same = (x: StoredMetric) =>
      x.key === m.key &&
      x.timestamp === m.timestamp &&
      x.step === m.step &&
      (x.value === m.value || (Number.isNaN(x.value) && Number.isNaN(m.value)));
    if (!r.metrics.some(same)) r.metrics.push(m);
  };

  /** A metric from a request; a value the protobuf parser rejects leaves it and later fields at 0. */
  const parseMetric = (m: Record<string, unknown>, strict: boolean): StoredMetric => {
    const key = String(m.key);
    const value = metricValue(m.value, clamp, strict);
    if (value === undefined) return { key, value: 0, timestamp: 0, step: 0 };
    const timestamp = int64(m.timestamp, 'timestamp');
    // protobuf's JSON parser stores a non-integer step as 0
    const step =
      m.step === undefined || (typeof m.step === 'number' && !Number.isInteger(m.step))
        ? 0
        : int64(m.step, 'step');
    return { key, value, timestamp, step };
  };

  const api = (
    method: string,
    endpoint: string,
    q: URLSearchParams,
    body: Record<string, unknown>,
  ): unknown => {
    const route = `${method} ${endpoint}`;
    switch (route) {
      case 'GET experiments/get-by-name': {
        const name = queryField(q, 'experiment_name');
        const e = [...experiments.values()].find((x) => x.name === name);
        if (!e) throw notFound(`Could not find experiment with name '${name}'`);
        return { experiment: expJson(e) };
      }
      case 'POST experiments/create': {
        const name = requireString(body, 'name');
        if ([...experiments.values()].some((x) => x.name === name)) {
          throw new ApiError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Experiment(name=${name}) already exists. Error: (raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this flush is occurring prematurely)\n(sqlite3.IntegrityError) UNIQUE constraint failed: experiments.name`,
          );
        }
        const loc = body.artifact_location;
        const tags = Array.isArray(body.tags) ? (body.tags as { key: string; value: string }[]) : [];
        return {
          experiment_id: createExperiment(
            name,
            typeof loc === 'string' && loc !== '' ? loc : undefined,
            tags,
          ),
        };
      }
      case 'GET experiments/get': {
        const id = queryField(q, 'experiment_id');
        const e = experiments.get(id);
        if (!e) throw notFound(`No Experiment with id=${id} exists`);
        return { experiment: expJson(e) };
      }
      case 'GET experiments/search':
      case 'POST experiments/search': {
        const src: Record<string, unknown> =
          method === 'GET'
            ? Object.fromEntries([...q].map(([k, v]) => [k, k === 'max_results' ? Number(v) : v]))
            : body;
        const max = src.max_results === undefined ? 0 : int64(src.max_results, 'max_results');
        if (max <= 0)
          throw invalid(`Invalid value for max_results. It must be a positive integer, but got ${max}`);
        if (max > 50000)
          throw invalid(`Invalid value for max_results. It must be at most 50000, but got ${max}`);
        const view = viewType(src.view_type);
        const match = experimentFilter(typeof src.filter === 'string' ? src.filter : '');
        const list = [...experiments.values()]
          .filter((e) => view === 'ALL' || (view === 'DELETED_ONLY') === (e.lifecycle_stage === 'deleted'))
          .filter(match)
          .sort(experimentOrder(Array.isArray(src.order_by) ? src.order_by.map(String) : []));
        const offset = decodePageToken(src.page_token === undefined ? undefined : String(src.page_token));
        const page = list.slice(offset, offset + max);
        const out: Record<string, unknown> = {};
        if (page.length > 0) out.experiments = page.map(expJson);
        if (offset + max < list.length) out.next_page_token = encodePageToken(offset + max);
        return out;
      }
      case 'POST experiments/set-experiment-tag': {
        const id = String(requireField(body, 'experiment_id'));
        const key = checkKey('tag', requireString(body, 'key'));
        const e = experiments.get(id);
        if (!e) throw notFound(`No Experiment with id=${id} exists`);
        e.tags.set(key, String(body.value ?? ''));
        return {};
      }
      case 'POST experiments/update': {
        const e = experiments.get(String(requireField(body, 'experiment_id')));
        if (!e || e.lifecycle_stage !== 'active')
          throw notFound(`No Experiment with id=${String(body.experiment_id)} exists`);
        if (typeof body.new_name === 'string' && body.new_name !== '') e.name = body.new_name;
        e.last_update_time = tick();
        return {};
      }
      case 'POST experiments/delete':
      case 'POST experiments/restore': {
        const wanted = endpoint === 'experiments/delete' ? 'active' : 'deleted';
        const e = experiments.get(String(requireField(body, 'experiment_id')));
        if (!e || e.lifecycle_stage !== wanted)
          throw notFound(`No Experiment with id=${String(body.experiment_id)} exists`);
        e.lifecycle_stage = wanted === 'active' ? 'deleted' : 'active';
        e.last_update_time = tick();
        return {};
      }
      case 'POST runs/create': {
        const expId = body.experiment_id === undefined ? '' : String(body.experiment_id);
        const e = experiments.get(expId);
        if (!e && expId !== '') throw notFound(`No Experiment with id=${expId} exists`);
        if (!e)
          throw new ApiError(
            400,
            'BAD_REQUEST',
            '(sqlite3.IntegrityError) FOREIGN KEY constraint failed\n[SQL: INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, deleted_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)]',
          );
        if (e.lifecycle_stage !== 'active')
          throw invalid(`The experiment ${expId} must be in the 'active' state. Current state is deleted.`);
        const tags = Array.isArray(body.tags) ? (body.tags as { key: string; value?: string }[]) : [];
        const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
        let runName = typeof body.run_name === 'string' && body.run_name !== '' ? body.run_name : undefined;
        if (runName !== undefined && tagName !== undefined && runName !== tagName) {
          throw invalid(
            `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`,
          );
        }
        const startTime = body.start_time === undefined ? 0 : int64(body.start_time, 'start_time');
        runName ??=
          tagName ??
          `${ADJ[nameCounter % ADJ.length]}-${ANIMAL[(nameCounter * 7) % ANIMAL.length]}-${nameCounter++}`;
        const id = randomBytes(16).toString('hex');
        const r: Run = {
          info: {
            run_id: id,
            run_uuid: id,
            run_name: runName,
            experiment_id: expId,
            user_id: typeof body.user_id === 'string' ? body.user_id : '',
            status: 'RUNNING',
            start_time: startTime,
            artifact_uri: `${e.artifact_location}/${id}/artifacts`,
            lifecycle_stage: 'active',
          },
          metrics: [],
          params: new Map(),
          tags: new Map(),
        };
        // runs/create stores its tags unchecked (MLflow 2.9)
        for (const t of tags) setTag(r, String(t.key), String(t.value ?? ''));
        r.tags.set('mlflow.runName', runName);
        runs.set(id, r);
        return { run: runJson(r, false) };
      }
      case 'POST runs/update': {
        const r = activeRun(runId(body));
        const st = body.status;
        if (typeof st === 'string' && STATUSES.includes(st)) r.info.status = st;
        else if (typeof st === 'number' && STATUSES[st - 1])
          r.info.status = STATUSES[st - 1] ?? r.info.status;
        if (body.end_time !== undefined) r.info.end_time = int64(body.end_time, 'end_time');
        if (typeof body.run_name === 'string' && body.run_name !== '') {
          r.info.run_name = body.run_name;
          r.tags.set('mlflow.runName', body.run_name);
        }
        return { run_info: { ...r.info } };
      }
      case 'GET runs/get': {
        const r = getRun(
          runId({ run_id: q.get('run_id') ?? undefined, run_uuid: q.get('run_uuid') ?? undefined }),
        );
        return { run: runJson(r) };
      }
      case 'POST runs/delete': {
        getRun(runId(body)).info.lifecycle_stage = 'deleted';
        return {};
      }
      case 'POST runs/restore': {
        getRun(runId(body)).info.lifecycle_stage = 'active';
        return {};
      }
      case 'POST runs/search': {
        const max = body.max_results === undefined ? 1000 : int64(body.max_results, 'max_results');
        if (max > 50000) throw typeError('max_results', max);
        const clauses = parseSearchFilter(typeof body.filter === 'string' ? body.filter : undefined);
        const orderBy = Array.isArray(body.order_by) ? body.order_by.map(String) : undefined;
        sortRuns([], orderBy);
        const offset = decodePageToken(typeof body.page_token === 'string' ? body.page_token : undefined);
        const ids = Array.isArray(body.experiment_ids) ? body.experiment_ids.map(String) : [];
        const view = viewType(body.run_view_type);
        // the SQL store keeps NaN as 0 with a flag, so filters compare NaN as 0
        const forFilter = (r: Run): MlflowRun => {
          const x = runForSearch(r);
          return {
            ...x,
            data: {
              ...x.data,
              metrics: x.data.metrics.map((m) => ({ ...m, value: Number.isNaN(m.value) ? 0 : m.value })),
            },
          };
        };
        const matching = [...runs.values()]
          .filter((r) => ids.includes(r.info.experiment_id))
          .filter(
            (r) => view === 'ALL' || (view === 'DELETED_ONLY') === (r.info.lifecycle_stage === 'deleted'),
          )
          .filter((r) => runMatches(forFilter(r), clauses));
        const sorted = sortRuns(matching.map(runForSearch), orderBy).map(
          (x) => runs.get(x.info.run_id) as Run,
        );
        // max_results -1 returns everything; a page that fills max_results always carries a token
        const page = max < 0 ? sorted.slice(offset) : sorted.slice(offset, offset + max);
        const out: Record<string, unknown> = {};
        if (page.length > 0) out.runs = page.map((r) => runJson(r));
        if (max >= 0 && page.length === max) out.next_page_token = encodePageToken(offset + max);
        return out;
      }
      case 'POST runs/log-metric': {
        const id = runId(body);
        requireString(body, 'key');
        requireField(body, 'value');
        if (body.timestamp === undefined || body.timestamp === null) throw missing('timestamp');
        const m = parseMetric(body, true);
        const r = activeRun(id);
        checkKey('metric', m.key, false);
        storeMetric(r, m);
        return {};
      }
      case 'POST runs/log-parameter': {
        const id = runId(body);
        const key = requireString(body, 'key');
        const value = body.value ?? '';
        if (typeof value !== 'string') throw typeError('value', value);
        const r = activeRun(id);
        paramValue(key, value);
        const old = r.params.get(key);
        if (old !== undefined && old !== value) {
          throw invalid(
            `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${r.info.run_id}'. Attempted logging new value '${value}'.`,
          );
        }
        r.params.set(key, value);
        return {};
      }
      case 'POST runs/set-tag': {
        const id = runId(body);
        const key = requireString(body, 'key');
        const value = String(body.value ?? '');
        const r = activeRun(id);
        checkTag(key, value);
        setTag(r, key, value);
        return {};
      }
      case 'POST runs/delete-tag': {
        const id = runId(body);
        const key = requireString(body, 'key');
        const r = activeRun(id);
        if (!r.tags.has(key)) throw notFound(`No tag with name: ${key} in run with id ${r.info.run_id}`);
        r.tags.delete(key);
        return {};
      }
      case 'POST runs/log-batch': {
        const list = (name: string): Record<string, unknown>[] => {
          const v = body[name];
          return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
        };
        const over = (n: number, max: number, what: string) => {
          if (n > max)
            throw invalid(
              `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
            );
        };
        const [metrics, params, tags] = [list('metrics'), list('params'), list('tags')];
        over(metrics.length, 1000, 'metrics');
        over(params.length, 100, 'params');
        over(tags.length, 100, 'tags');
        over(metrics.length + params.length + tags.length, 1000, 'metrics, params, and tags');
        const id = runId(body);
        for (const name of ['metrics', 'params', 'tags']) {
          const v = body[name];
          if (v !== undefined && !Array.isArray(v)) throw typeError(name, v);
        }
        const bad = (x: Record<string, unknown>) =>
          typeof x !== 'object' || x === null || typeof x.key !== 'string';
        if (
          metrics.some(
            (m) => bad(m) || m.value === undefined || m.value === null || m.timestamp === undefined,
          )
        )
          throw typeError('metrics', metrics);
        if (params.some(bad)) throw typeError('params', params);
        if (tags.some(bad)) throw typeError('tags', tags);
        const r = activeRun(id);
        const parsed = metrics.map((m) => parseMetric(m, false));
        for (const m of parsed) checkKey('metric', m.key);
        const keys = params.map((p) => String(p.key));
        const dups = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
        if (dups.length > 0)
          throw invalid(
            `Duplicate parameter keys have been submitted: ${pyRepr(dups)}. Please ensure the request contains only one param value per param key.`,
          );
        const newParams = params.map((p) => ({ key: String(p.key), value: String(p.value ?? '') }));
        for (const p of newParams) paramValue(p.key, p.value);
        const newTags = tags.map((t) => ({ key: String(t.key), value: String(t.value ?? '') }));
        for (const t of newTags) checkTag(t.key, t.value);
        const changed = newParams
          .filter((p) => r.params.has(p.key) && r.params.get(p.key) !== p.value)
          .map((p) => ({ key: p.key, old_value: r.params.get(p.key), new_value: p.value }));
        if (changed.length > 0)
          throw invalid(
            `Changing param values is not allowed. Params were already logged='${pyRepr(changed)}' for run ID='${r.info.run_id}'.`,
          );
        for (const p of newParams) r.params.set(p.key, p.value);
        for (const t of newTags) setTag(r, t.key, t.value);
        for (const m of parsed) storeMetric(r, m);
        return {};
      }
      case 'GET metrics/get-history': {
        // MLflow 2.9 checks nothing here and ignores max_results and page_token
        const r = runs.get(q.get('run_id') ?? q.get('run_uuid') ?? '');
        const key = q.get('metric_key');
        const all = (r?.metrics ?? [])
          .filter((m) => m.key === key)
          .sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value)
          .map((m) => ({ ...m, value: encodeValue(m.value) }));
        return all.length > 0 ? { metrics: all } : {};
      }
      case 'GET artifacts/list': {
        const r = getRun(
          runId({ run_id: q.get('run_id') ?? undefined, run_uuid: q.get('run_uuid') ?? undefined }),
        );
        const path = q.get('path') ?? '';
        if (path.startsWith('/') || path.split('/').includes('..')) throw invalid(`Invalid path: ${path}`);
        const uri = r.info.artifact_uri;
        const out: Record<string, unknown> = { root_uri: uri };
        let files: { path: string; is_dir: boolean; file_size?: number }[] = [];
        if (uri.startsWith('mlflow-artifacts:/')) {
          const base = [uri.slice('mlflow-artifacts:/'.length), path].filter((x) => x !== '').join('/');
          files = listStored(base);
        } else if (uri.startsWith('/')) files = listFolder(join(uri, path));
        if (files.length > 0)
          out.files = files.map((f) => ({
            ...f,
            path: [path.replace(/\/+$/, ''), f.path].filter((x) => x !== '').join('/'),
          }));
        return out;
      }
      // ---- model registry ----
      case 'POST registered-models/create': {
        const name = requireString(body, 'name');
        if (models.has(name))
          throw new ApiError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Registered Model (name=${name}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.name`,
          );
        const now = tick();
        const m: RegisteredModel = {
          name,
          creation_timestamp: now,
          last_updated_timestamp: now,
          description: typeof body.description === 'string' ? body.description : '',
          tags: tagList(body.tags),
          aliases: new Map(),
          versions: [],
        };
        models.set(name, m);
        return { registered_model: modelJson(m) };
      }
      case 'GET registered-models/get':
        return { registered_model: modelJson(getModel(q.get('name'))) };
      case 'GET registered-models/search': {
        const max = q.has('max_results') ? int64(q.get('max_results'), 'max_results') : 100;
        if (max > 1000)
          throw invalid(
            `Invalid value for request parameter max_results. It must be at most 1000, but got value ${max}`,
          );
        const match = modelFilter(q.get('filter') ?? '');
        const orderBy = q.getAll('order_by');
        const list = [...models.values()].filter(match).sort((a, b) => {
          for (const o of orderBy) {
            const desc = /\sDESC\s*$/i.test(o);
            const key = o.replace(/\s+(ASC|DESC)\s*$/i, '').trim();
            const va = key === 'name' ? a.name : a.last_updated_timestamp;
            const vb = key === 'name' ? b.name : b.last_updated_timestamp;
            if (va !== vb) return (va < vb ? -1 : 1) * (desc ? -1 : 1);
          }
          return a.name < b.name ? -1 : 1;
        });
        const offset = decodePageToken(q.get('page_token') ?? undefined);
        const out: Record<string, unknown> = {};
        const page = list.slice(offset, offset + max);
        if (page.length > 0) out.registered_models = page.map(modelJson);
        if (offset + max < list.length) out.next_page_token = encodePageToken(offset + max);
        return out;
      }
      case 'PATCH registered-models/update': {
        const m = getModel(requireString(body, 'name'));
        if (typeof body.description === 'string') m.description = body.description;
        m.last_updated_timestamp = tick();
        return { registered_model: modelJson(m) };
      }
      case 'POST registered-models/rename': {
        const m = getModel(requireString(body, 'name'));
        const newName = requireString(body, 'new_name');
        models.delete(m.name);
        m.name = newName;
        for (const v of m.versions) v.name = newName;
        m.last_updated_timestamp = tick();
        models.set(newName, m);
        return { registered_model: modelJson(m) };
      }
      case 'DELETE registered-models/delete': {
        const m = getModel(requireString(body, 'name'));
        models.delete(m.name);
        return {};
      }
      case 'POST registered-models/set-tag': {
        const m = getModel(requireString(body, 'name'));
        const key = checkKey('tag', requireString(body, 'key'));
        m.tags = [...m.tags.filter((t) => t.key !== key), { key, value: String(body.value ?? '') }];
        return {};
      }
      case 'DELETE registered-models/delete-tag': {
        const m = getModel(requireString(body, 'name'));
        const key = requireString(body, 'key');
        m.tags = m.tags.filter((t) => t.key !== key);
        return {};
      }
      case 'GET registered-models/get-latest-versions':
      case 'POST registered-models/get-latest-versions': {
        const m = getModel(method === 'GET' ? q.get('name') : requireString(body, 'name'));
        const stages = (
          method === 'GET' ? q.getAll('stages') : Array.isArray(body.stages) ? body.stages : []
        ).map((x) => String(x).toLowerCase());
        const latest = latestVersions(m).filter(
          (v) => stages.length === 0 || stages.includes(v.current_stage.toLowerCase()),
        );
        return latest.length > 0 ? { model_versions: latest.map((v) => versionJson(v)) } : {};
      }
      case 'POST registered-models/alias': {
        const m = getModel(requireString(body, 'name'));
        const alias = requireString(body, 'alias');
        const version = getVersion(m, requireField(body, 'version'));
        if (/^v\d+$/i.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
        m.aliases.set(alias, version.version);
        return {};
      }
      case 'GET registered-models/alias': {
        const m = getModel(q.get('name'));
        const alias = q.get('alias') ?? '';
        const v = m.aliases.get(alias);
        if (v === undefined) throw invalid(`Registered model alias ${alias} not found.`);
        return { model_version: versionJson(getVersion(m, v), true) };
      }
      case 'DELETE registered-models/alias': {
        // the alias is read from a JSON body only, also for DELETE
        const m = getModel(requireString(body, 'name'));
        m.aliases.delete(requireString(body, 'alias'));
        return {};
      }
      case 'POST model-versions/create': {
        const m = getModel(requireString(body, 'name'));
        const source = requireString(body, 'source');
        checkSource(source);
        const now = tick();
        const v: ModelVersion = {
          name: m.name,
          version: String((m.versions.at(-1) ? Number(m.versions.at(-1)?.version) : 0) + 1),
          creation_timestamp: now,
          last_updated_timestamp: now,
          current_stage: 'None',
          description: typeof body.description === 'string' ? body.description : '',
          source,
          run_id: typeof body.run_id === 'string' ? body.run_id : '',
          status: 'READY',
          tags: tagList(body.tags),
        };
        m.versions.push(v);
        m.last_updated_timestamp = now;
        return { model_version: versionJson(v) };
      }
      case 'GET model-versions/get':
        return { model_version: versionJson(getVersion(getModel(q.get('name')), q.get('version'))) };
      case 'GET model-versions/get-download-uri':
        return { artifact_uri: getVersion(getModel(q.get('name')), q.get('version')).source };
      case 'GET model-versions/search': {
        const filter = q.get('filter') ?? '';
        const eq = /^\s*(name|run_id)\s*=\s*'([^']*)'\s*$/.exec(filter);
        if (filter.trim() !== '' && !eq) throw invalid(`Invalid filter '${filter}'`);
        const all = [...models.values()]
          .flatMap((m) => m.versions)
          .filter((v) => !eq || (eq[1] === 'name' ? v.name : v.run_id) === eq[2])
          .sort((a, b) => b.last_updated_timestamp - a.last_updated_timestamp);
        return all.length > 0 ? { model_versions: all.map((v) => versionJson(v)) } : {};
      }
      case 'PATCH model-versions/update': {
        const v = getVersion(getModel(requireString(body, 'name')), requireField(body, 'version'));
        if (typeof body.description === 'string') v.description = body.description;
        v.last_updated_timestamp = tick();
        return { model_version: versionJson(v) };
      }
      case 'DELETE model-versions/delete': {
        const m = getModel(requireString(body, 'name'));
        const v = getVersion(m, requireField(body, 'version'));
        m.versions = m.versions.filter((x) => x !== v);
        for (const [a, ver] of m.aliases) if (ver === v.version) m.aliases.delete(a);
        return {};
      }
      case 'POST model-versions/set-tag': {
        const v = getVersion(getModel(requireString(body, 'name')), requireField(body, 'version'));
        const key = checkKey('tag', requireString(body, 'key'));
        v.tags = [...v.tags.filter((t) => t.key !== key), { key, value: String(body.value ?? '') }];
        return {};
      }
      case 'DELETE model-versions/delete-tag': {
        const v = getVersion(getModel(requireString(body, 'name')), requireField(body, 'version'));
        const key = requireString(body, 'key');
        v.tags = v.tags.filter((t) => t.key !== key);
        return {};
      }
      case 'POST model-versions/transition-stage': {
        const m = getModel(requireString(body, 'name'));
        const v = getVersion(m, requireField(body, 'version'));
        const stage = requireString(body, 'stage');
        const canonical = STAGES.find((x) => x.toLowerCase() === stage.toLowerCase());
        if (!canonical)
          throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
        const now = tick();
        if (
          body.archive_existing_versions === true &&
          (canonical === 'Staging' || canonical === 'Production')
        ) {
          for (const o of m.versions)
            if (o !== v && o.current_stage === canonical) {
              o.current_stage = 'Archived';
              o.last_updated_timestamp = now;
            }
        }
        v.current_stage = canonical;
        v.last_updated_timestamp = now;
        m.last_updated_timestamp = now;
        return { model_version: versionJson(v) };
      }
      default:
        throw new HtmlError(404, FLASK_404);
    }
  };

  function getModel(name: string | null): RegisteredModel {
    if (!name) throw missing('name');
    const m = models.get(name);
    if (!m) throw notFound(`Registered Model with name=${name} not found`);
    return m;
  }
  function getVersion(m: RegisteredModel, version: unknown): ModelVersion {
    if (version === undefined || version === null || version === '') throw missing('version');
    const text = String(version);
    if (!/^\d+$/.test(text)) throw invalid(`Model version must be an integer, got '${text}'`);
    const v = m.versions.find((x) => x.version === text);
    if (!v) throw notFound(`Model Version (name=${m.name}, version=${text}) not found`);
    return v;
  }
  /** A model version as MLflow 2.9 answers it: `run_link` always, `tags` when any, `aliases` in alias lookups. */
  function versionJson(v: ModelVersion, withAliases = false) {
    const m = models.get(v.name);
    const aliases = [...(m?.aliases ?? [])].filter(([, ver]) => ver === v.version).map(([a]) => a);
    const { tags, ...rest } = v;
    return {
      ...rest,
      ...(tags.length > 0 ? { tags } : {}),
      run_link: '',
      ...(withAliases && aliases.length > 0 ? { aliases } : {}),
    };
  }
  /** The newest version in each stage, by version number. */
  function latestVersions(m: RegisteredModel): ModelVersion[] {
    const latest = new Map<string, ModelVersion>();
    for (const v of m.versions) {
      const cur = latest.get(v.current_stage);
      if (!cur || Number(v.version) > Number(cur.version)) latest.set(v.current_stage, v);
    }
    return [...latest.values()].sort((a, b) => Number(a.version) - Number(b.version));
  }
  /** A registered model; empty fields are omitted. */
  function modelJson(m: RegisteredModel) {
    const latest = latestVersions(m);
    return {
      name: m.name,
      creation_timestamp: m.creation_timestamp,
      last_updated_timestamp: m.last_updated_timestamp,
      ...(m.description !== '' ? { description: m.description } : {}),
      ...(latest.length > 0 ? { latest_versions: latest.map((v) => versionJson(v)) } : {}),
      ...(m.tags.length > 0 ? { tags: m.tags } : {}),
      ...(m.aliases.size > 0
        ? { aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })) }
        : {}),
    };
  }

  /** Children of a stored folder, sorted by name; folders and empty files have no `file_size`. */
  function listStored(base: string): { path: string; is_dir: boolean; file_size?: number }[] {
    const pre = base === '' ? '' : `${base.replace(/\/+$/, '')}/`;
    const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [k, v] of artifacts) {
      if (!k.startsWith(pre)) continue;
      const rest = k.slice(pre.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) entries.set(rest.slice(0, slash), { path: rest.slice(0, slash), is_dir: true });
      else entries.set(rest, { path: rest, is_dir: false, ...(v.length > 0 ? { file_size: v.length } : {}) });
    }
    return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** The same for a local artifact root (`--no-serve-artifacts --default-artifact-root /path`). */
  function listFolder(dir: string): { path: string; is_dir: boolean; file_size?: number }[] {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
    return readdirSync(dir, { withFileTypes: true })
      .map((d) => {
        const size = d.isDirectory() ? 0 : statSync(join(dir, d.name)).size;
        return { path: d.name, is_dir: d.isDirectory(), ...(size > 0 ? { file_size: size } : {}) };
      })
      .sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  const checkArtifactPath = (p: string) => {
    if (p.startsWith('/') || p.split('/').includes('..')) throw invalid(`Invalid path: ${p}`);
  };

  const proxyDisabled = (rule: string) =>
    new HtmlError(
      503,
      `Endpoint: /api/2.0/mlflow-artifacts/artifacts${rule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. To enable artifacts server functionality, run \`mlflow server\` with \`--serve-artifacts\``,
    );

  /** `GET /api/2.0/mlflow-artifacts/artifacts?path=`: the listing, paths relative to `path`. */
  function proxyList(path: string): Record<string, unknown> {
    if (!serveArtifacts) throw proxyDisabled('');
    checkArtifactPath(path);
    const files = listStored(path);
    return files.length > 0 ? { files } : {};
  }

  const authOk = (req: http.IncomingMessage): boolean => {
    if (!options.auth) return true;
    const h = req.headers.authorization ?? '';
    if ('token' in options.auth)
      return (options.authStyle ?? 'nginx') === 'nginx' && h === `Bearer ${options.auth.token}`;
    return (
      h === `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
    );
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (options.maxBodyBytes === undefined || size <= options.maxBodyBytes) chunks.push(c);
    });
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const url = new URL(rawUrl, 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      // the path as sent (WHATWG URL parsing would resolve `..` segments)
      let path = rawUrl.split('?')[0] ?? '/';
      const raw = Buffer.concat(chunks);
      const entry: LoggedRequest = {
        method,
        path,
        query: url.searchParams,
        headers: req.headers,
        json: undefined,
        bodyBytes: size,
        status: 0,
      };
      requests.push(entry);
      const send = (
        status: number,
        body: string | Buffer,
        contentType: string,
        headers: Record<string, string> = {},
      ) => {
        entry.status = status;
        res.writeHead(status, { 'Content-Type': contentType, ...headers });
        res.end(method === 'HEAD' ? undefined : body);
      };
      const sendJson = (status: number, obj: unknown) =>
        send(status, JSON.stringify(obj), 'application/json');
      if (prefix !== '') {
        if (path !== prefix && !path.startsWith(`${prefix}/`))
          return send(404, nginxPage(404, 'Not Found'), 'text/html');
        path = path.slice(prefix.length) || '/';
        entry.path = path;
      }
      const fault = faults.find(
        (f) =>
          f.left > 0 &&
          (f.method === undefined || f.method === method) &&
          (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
      );
      if (fault) {
        fault.left--;
        return send(fault.status, fault.body ?? '', fault.contentType ?? 'text/html', fault.headers);
      }
      if (options.maxBodyBytes !== undefined && size > options.maxBodyBytes) {
        return send(413, nginxPage(413, 'Request Entity Too Large'), 'text/html');
      }
      if (!authOk(req)) {
        if ((options.authStyle ?? 'nginx') === 'nginx') {
          return send(401, nginxPage(401, 'Authorization Required'), 'text/html', {
            'WWW-Authenticate': 'Basic realm="MLflow"',
          });
        }
        return send(
          401,
          'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.',
          'text/plain',
          {
            'WWW-Authenticate': 'Basic realm="mlflow"',
          },
        );
      }
      const origin = `http://${req.headers.host ?? '127.0.0.1'}${prefix}`;
      /** Flask routing: known rule with another method → 405, OPTIONS → 200 with `Allow`. */
      const route = (methods: string[], handle: () => void) => {
        if (method === 'OPTIONS') return send(200, '', HTML, { Allow: allowHeader(methods) });
        const allowed = methods.includes(method) || (method === 'HEAD' && methods.includes('GET'));
        if (!allowed) return send(405, FLASK_405, HTML, { Allow: allowHeader(methods) });
        try {
          handle();
        } catch (e) {
          if (e instanceof HtmlError) return send(e.status, e.page, HTML);
          if (e instanceof ApiError) return sendJson(e.status, { error_code: e.code, message: e.message });
          // the search-filter and page-token parsers shared with the client word their errors as MLflow's
          if (e instanceof MlflowError)
            return sendJson(e.status, { error_code: e.errorCode, message: e.message });
          return send(500, FLASK_500, HTML);
        }
      };
      if (path === '/health') return route(['GET'], () => send(200, 'OK', HTML));
      if (path === '/version') return route(['GET'], () => send(200, version, HTML));
      if (path === '/') return route(['GET'], () => send(200, NO_UI, 'text/plain; charset=utf-8'));
      // the artifact proxy (`--serve-artifacts`)
      const art = /^\/api\/2\.0\/mlflow-artifacts\/artifacts(?:\/(.*))?$/.exec(path);
      if (art) {
        const encoded = art[1];
        if (encoded === undefined || encoded === '')
          return route(['GET'], () => sendJson(200, proxyList(url.searchParams.get('path') ?? '')));
        if (encoded.startsWith('%2F') || encoded.startsWith('%2f')) {
          // Flask merges the slashes and redirects
          const target = `${origin}/api/2.0/mlflow-artifacts/artifacts/${encoded.replace(/^(%2F)+/i, '')}`;
          return send(
            308,
            `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${target}">${target}</a>. If not, click the link.\n`,
            HTML,
            { Location: target },
          );
        }
        return route(['GET', 'PUT', 'DELETE'], () => {
          if (!serveArtifacts) throw proxyDisabled('/<path:artifact_path>');
          const p = decodeURIComponent(encoded);
          checkArtifactPath(p);
          const isFolder = [...artifacts.keys()].some((k) => k.startsWith(`${p.replace(/\/+$/, '')}/`));
          if (method === 'PUT') {
            artifacts.set(p, raw);
            return sendJson(200, {});
          }
          if (method === 'DELETE') {
            // the local artifact store removes folders only: a single file is a 500 page and stays
            if (artifacts.has(p)) throw new HtmlError(500, FLASK_500);
            for (const k of [...artifacts.keys()]) if (k.startsWith(`${p}/`)) artifacts.delete(k);
            return sendJson(200, {});
          }
          const b = artifacts.get(p);
          if (b === undefined && isFolder) throw new HtmlError(500, FLASK_500);
          if (b === undefined)
            throw new ApiError(
              500,
              'INTERNAL_ERROR',
              `The following failures occurred while downloading one or more artifacts from ${artifactsDestination}:\n##### File ${p} #####\n[Errno 2] No such file or directory: '${artifactsDestination}/${p}'`,
            );
          const name = p.slice(p.lastIndexOf('/') + 1);
          return send(200, b, guessMimeType(name), {
            'Content-Disposition': /^[\x20-\xff]*$/.test(name)
              ? `attachment; filename=${name}`
              : `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
            'X-Content-Type-Options': 'nosniff',
          });
        });
      }
      const mpu = /^\/api\/2\.0\/mlflow-artifacts\/mpu\/(create|complete|abort)\/./.exec(path);
      if (mpu)
        return route(['POST'], () =>
          sendJson(501, {
            error_code: 'NOT_IMPLEMENTED',
            message: 'Multipart upload is not supported for the current artifact repository',
          }),
        );
      const m = /^\/(?:ajax-)?api\/2\.0\/mlflow\/(.+)$/.exec(path);
      const endpoint = m?.[1] ?? '';
      const methods = ENDPOINTS[endpoint];
      if (!methods) return send(404, FLASK_404, HTML);
      return route(methods, () => {
        let body: Record<string, unknown> = {};
        if (method === 'POST' || method === 'PATCH' || (method === 'DELETE' && raw.length > 0)) {
          const ctype = req.headers['content-type'];
          if (ctype === undefined) throw invalid('Bad Request. Content-Type header is missing.');
          if ((ctype.split(';')[0] ?? '').trim() !== 'application/json')
            throw invalid("Bad Request. Content-Type must be one of ['application/json'].");
          const parsed = parseRequestJson(raw.toString('utf8'));
          // a body that is not a JSON object is a 500 page; log-batch's request check fails on anything malformed
          if (parsed === undefined) throw new HtmlError(500, FLASK_500);
          if (endpoint === 'runs/log-batch' && Object.keys(parsed).length === 0 && raw.length > 0)
            throw new HtmlError(500, FLASK_500);
          body = parsed;
          entry.json = body;
        }
        const result = api(method === 'HEAD' ? 'GET' : method, endpoint, url.searchParams, body);
        sendJson(200, result);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    artifacts,
    state: { experiments, runs, models },
    addFault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    calls: (endpoint) => requests.filter((r) => r.path === `/api/2.0/mlflow/${endpoint}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
