/**
 * A protocol-faithful MLflow 2.9 tracking server stand-in for tests (bound to 127.0.0.1, port 0).
 *
 * It reproduces the behaviour recorded in `shared/reference/mlflow-rest.md` ([2.9✓] items): JSON bodies
 * with `Content-Type: application/json` only, `{error_code, message}` error bodies with MLflow's status
 * codes, log-batch limits (1000 metrics / 100 params / 100 tags / 1000 entities / 1 MB), key and value
 * length limits, immutable params, NaN/±Infinity as strings (±Inf clamped like the SQL store), generated
 * run names, start_time 0 when omitted, Flask HTML 404 for unknown endpoints, the `mlflow-artifacts`
 * proxy, and a small model registry. On top of that it can inject faults (nginx HTML pages, 5xx, …),
 * require auth (nginx basic auth or MLflow's basic-auth app), emulate nginx `client_max_body_size`,
 * and serve under a path prefix (nginx sub-path).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSearchFilter, runMatches, sortRuns } from '../../src/tracking/search-filter.js';
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
  /** Run tag value limit: 5000 (2.9) or 8000 (3.x, default). */
  maxTagValueLength?: number;
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
const MAX_EXPERIMENT_NAME = 500;
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

const ADJ = ['unique', 'brave', 'calm', 'eager', 'gentle', 'jolly', 'silent', 'rare'];
const ANIMAL = ['crab', 'owl', 'fox', 'whale', 'lynx', 'moth', 'seal', 'wren'];

function checkKey(kind: string, key: unknown, checkLength = true): string {
  if (typeof key !== 'string' || key === '')
    throw invalid(
      `Missing value for required parameter 'key'. See the API docs for more information about request parameters.`,
    );
  if (!/^[/\w.\- ]*$/u.test(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  if (
    key.split('/').some((p) => p === '..' || p === '.') ||
    key.startsWith('/') ||
    key.endsWith('/') ||
    key.includes('//')
  ) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`,
    );
  }
  if (checkLength && key.length > MAX_KEY) {
    throw invalid(`'${key}' exceeds the maximum length of ${MAX_KEY} characters`);
  }
  return key;
}

function requireField(body: Record<string, unknown>, name: string): unknown {
  const v = body[name];
  if (v === undefined || v === null || v === '') {
    throw invalid(
      `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
    );
  }
  return v;
}

function int64(v: unknown, name: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: must be an integer`);
  return n;
}

function parseMetricValue(v: unknown, clamp: boolean): number {
  if (v === undefined || v === null) {
    throw invalid(
      "Missing value for required parameter 'value'. See the API docs for more information about request parameters.",
    );
  }
  let n: number;
  if (typeof v === 'number') n = v;
  else if (v === 'NaN') n = NaN;
  else if (v === 'Infinity') n = Infinity;
  else if (v === '-Infinity') n = -Infinity;
  else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) n = Number(v);
  else throw invalid(`Invalid value ${JSON.stringify(v)} for parameter 'value' supplied: must be a double`);
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

/** Starts the stand-in on 127.0.0.1 with a free port. */
export async function startMlflowStandIn(options: StandInOptions = {}): Promise<MlflowStandIn> {
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const root = (options.defaultArtifactRoot ?? 'mlflow-artifacts:').replace(/\/+$/, '');
  const maxTagValue = options.maxTagValueLength ?? 8000;
  const clamp = options.clampInfinity ?? true;
  const experiments = new Map<string, Experiment>();
  const runs = new Map<string, Run>();
  const models = new Map<string, RegisteredModel>();
  const artifacts = new Map<string, Buffer>();
  const requests: LoggedRequest[] = [];
  const faults: (Fault & { left: number })[] = [];
  let nextExperimentId = 0;
  let nameCounter = 100;

  const artifactLocationFor = (id: string) =>
    root === 'mlflow-artifacts:' ? `mlflow-artifacts:/${id}` : `${root}/${id}`;
  const createExperiment = (
    name: string,
    artifactLocation?: string,
    tags: { key: string; value: string }[] = [],
  ) => {
    const id = String(nextExperimentId++);
    const now = Date.now();
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
    tags: [...e.tags].map(([key, value]) => ({ key, value })),
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

  const runJson = (r: Run) => ({
    info: { ...r.info },
    data: {
      metrics: latestMetrics(r).map((m) => ({ ...m, value: encodeValue(m.value) })),
      params: [...r.params].map(([key, value]) => ({ key, value })),
      tags: [...r.tags].map(([key, value]) => ({ key, value })),
    },
    inputs: {},
  });

  const runForSearch = (r: Run): MlflowRun => ({
    info: { ...r.info, status: r.info.status as MlflowRun['info']['status'] },
    data: {
      metrics: latestMetrics(r),
      params: [...r.params].map(([key, value]) => ({ key, value })),
      tags: [...r.tags].map(([key, value]) => ({ key, value })),
    },
  });

  const getRun = (body: Record<string, unknown>, field = 'run_id'): Run => {
    const id = (body[field] ?? body.run_uuid) as unknown;
    if (typeof id !== 'string' || id === '')
      throw invalid(
        `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
      );
    const r = runs.get(id);
    if (!r) throw notFound(`Run with id=${id} not found`);
    return r;
  };

  const activeRun = (body: Record<string, unknown>): Run => {
    const r = getRun(body);
    if (r.info.lifecycle_stage !== 'active') {
      throw invalid(
        `The run ${r.info.run_id} must be in the 'active' state. Current state is ${r.info.lifecycle_stage}.`,
      );
    }
    return r;
  };

  const setParam = (r: Run, key: string, value: string) => {
    checkKey('param', key);
    if (value.length > MAX_PARAM_VALUE)
      throw invalid(
        `Param value '${value.slice(0, 20)}...' had length ${value.length}, which exceeded length limit of ${MAX_PARAM_VALUE}`,
      );
    const old = r.params.get(key);
    if (old !== undefined && old !== value) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${r.info.run_id}'. Attempted logging new value '${value}'.`,
      );
    }
    r.params.set(key, value);
  };

  const setTag = (r: Run, key: string, value: string) => {
    checkKey('tag', key);
    if (value.length > maxTagValue)
      throw invalid(
        `Tag value '${value.slice(0, 20)}...' had length ${value.length}, which exceeded length limit of ${maxTagValue}`,
      );
    r.tags.set(key, value);
    if (key === 'mlflow.runName') r.info.run_name = value;
  };

  const addMetric = (r: Run, m: Record<string, unknown>, checkLength: boolean) => {
    const key = checkKey('metric', requireField(m, 'key'), checkLength);
    const value = parseMetricValue(m.value, clamp);
    const timestamp = int64(requireField(m, 'timestamp'), 'timestamp');
    const step = m.step === undefined ? 0 : int64(m.step, 'step');
    r.metrics.push({ key, value, timestamp, step });
  };

  const api = (
    method: string,
    endpoint: string,
    q: URLSearchParams,
    body: Record<string, unknown>,
    rawLength: number,
  ): unknown => {
    const route = `${method} ${endpoint}`;
    switch (route) {
      case 'GET experiments/get-by-name': {
        const name = q.get('experiment_name');
        if (!name)
          throw invalid(
            "Missing value for required parameter 'experiment_name'. See the API docs for more information about request parameters.",
          );
        const e = [...experiments.values()].find((x) => x.name === name);
        if (!e) throw notFound(`Could not find experiment with name '${name}'`);
        return { experiment: expJson(e) };
      }
      case 'POST experiments/create': {
        const name = requireField(body, 'name');
        if (typeof name !== 'string') throw invalid("Invalid value for parameter 'name'");
        if (name.length > MAX_EXPERIMENT_NAME)
          throw invalid(`Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME} characters`);
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
        const id = q.get('experiment_id');
        if (!id)
          throw invalid(
            "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
          );
        const e = experiments.get(id);
        if (!e) throw notFound(`No Experiment with id=${id} exists`);
        return { experiment: expJson(e) };
      }
      case 'POST experiments/search': {
        const view = String(body.view_type ?? 'ACTIVE_ONLY');
        let list = [...experiments.values()].filter(
          (e) =>
            view === 'ALL' ||
            (view === 'DELETED_ONLY' ? e.lifecycle_stage === 'deleted' : e.lifecycle_stage === 'active'),
        );
        const filter = typeof body.filter === 'string' ? body.filter : '';
        const nameEq = /^\s*(?:attributes\.)?name\s*=\s*'([^']*)'\s*$/i.exec(filter);
        if (nameEq) list = list.filter((e) => e.name === nameEq[1]);
        else if (filter.trim() !== '') throw invalid(`Unsupported filter in the stand-in: ${filter}`);
        list.sort(
          (a, b) => b.creation_time - a.creation_time || Number(b.experiment_id) - Number(a.experiment_id),
        );
        const max = body.max_results === undefined ? 1000 : int64(body.max_results, 'max_results');
        const offset =
          typeof body.page_token === 'string'
            ? Number(JSON.parse(Buffer.from(body.page_token, 'base64').toString()).offset)
            : 0;
        const page = list.slice(offset, offset + max);
        const out: Record<string, unknown> = { experiments: page.map(expJson) };
        if (offset + max < list.length)
          out.next_page_token = Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64');
        return out;
      }
      case 'POST experiments/set-experiment-tag': {
        const e = experiments.get(String(requireField(body, 'experiment_id')));
        if (!e) throw notFound(`No Experiment with id=${String(body.experiment_id)} exists`);
        e.tags.set(checkKey('tag', requireField(body, 'key')), String(body.value ?? ''));
        return {};
      }
      case 'POST experiments/delete': {
        const e = experiments.get(String(requireField(body, 'experiment_id')));
        if (!e) throw notFound(`No Experiment with id=${String(body.experiment_id)} exists`);
        e.lifecycle_stage = 'deleted';
        return {};
      }
      case 'POST runs/create': {
        const expId = String(body.experiment_id ?? '0');
        const e = experiments.get(expId);
        if (!e) throw notFound(`No Experiment with id=${expId} exists`);
        if (e.lifecycle_stage !== 'active')
          throw invalid(`The experiment ${expId} must be in the 'active' state. Current state is deleted.`);
        const tags = Array.isArray(body.tags) ? (body.tags as { key: string; value: string }[]) : [];
        const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
        let runName = typeof body.run_name === 'string' && body.run_name !== '' ? body.run_name : undefined;
        if (runName !== undefined && tagName !== undefined && runName !== tagName) {
          throw invalid(
            `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`,
          );
        }
        runName ??=
          tagName ??
          `${ADJ[nameCounter % ADJ.length]}-${ANIMAL[(nameCounter * 7) % ANIMAL.length]}-${nameCounter++}`;
        const runId = randomBytes(16).toString('hex');
        const r: Run = {
          info: {
            run_id: runId,
            run_uuid: runId,
            run_name: runName,
            experiment_id: expId,
            user_id: typeof body.user_id === 'string' ? body.user_id : '',
            status: 'RUNNING',
            start_time: body.start_time === undefined ? 0 : int64(body.start_time, 'start_time'),
            artifact_uri: `${e.artifact_location}/${runId}/artifacts`,
            lifecycle_stage: 'active',
          },
          metrics: [],
          params: new Map(),
          tags: new Map(),
        };
        for (const t of tags) setTag(r, t.key, String(t.value));
        r.tags.set('mlflow.runName', runName);
        runs.set(runId, r);
        return { run: runJson(r) };
      }
      case 'POST runs/update': {
        const r = getRun(body);
        const s = body.status;
        if (typeof s === 'string' && STATUSES.includes(s)) r.info.status = s;
        else if (typeof s === 'number' && STATUSES[s - 1]) r.info.status = STATUSES[s - 1] ?? r.info.status;
        if (body.end_time !== undefined) r.info.end_time = int64(body.end_time, 'end_time');
        if (typeof body.run_name === 'string' && body.run_name !== '') {
          r.info.run_name = body.run_name;
          r.tags.set('mlflow.runName', body.run_name);
        }
        return { run_info: { ...r.info } };
      }
      case 'GET runs/get': {
        const r = getRun({ run_id: q.get('run_id') ?? q.get('run_uuid') ?? undefined });
        return { run: runJson(r) };
      }
      case 'POST runs/delete': {
        getRun(body).info.lifecycle_stage = 'deleted';
        return {};
      }
      case 'POST runs/restore': {
        getRun(body).info.lifecycle_stage = 'active';
        return {};
      }
      case 'POST runs/search': {
        const ids = Array.isArray(body.experiment_ids) ? body.experiment_ids.map(String) : [];
        const view = String(body.run_view_type ?? 'ACTIVE_ONLY');
        const max = body.max_results === undefined ? 1000 : int64(body.max_results, 'max_results');
        if (max > 50000)
          throw invalid(
            `Invalid value for request parameter max_results. It must be at most 50000, but got value ${max}`,
          );
        const clauses = parseSearchFilter(typeof body.filter === 'string' ? body.filter : undefined);
        let list = [...runs.values()]
          .filter((r) => ids.includes(r.info.experiment_id))
          .filter(
            (r) =>
              view === 'ALL' ||
              (view === 'DELETED_ONLY'
                ? r.info.lifecycle_stage === 'deleted'
                : r.info.lifecycle_stage === 'active'),
          )
          .map((r) => ({ r, s: runForSearch(r) }))
          .filter((x) => runMatches(x.s, clauses));
        const sorted = sortRuns(
          list.map((x) => x.s),
          Array.isArray(body.order_by) ? (body.order_by as string[]) : undefined,
        );
        list = sorted.map((s) => ({ r: runs.get(s.info.run_id) as Run, s }));
        const offset =
          typeof body.page_token === 'string' && body.page_token !== ''
            ? Number(JSON.parse(Buffer.from(body.page_token, 'base64').toString()).offset)
            : 0;
        const page = list.slice(offset, offset + max);
        const out: Record<string, unknown> = { runs: page.map((x) => runJson(x.r)) };
        if (offset + max < list.length)
          out.next_page_token = Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64');
        return out;
      }
      case 'POST runs/log-metric': {
        const r = activeRun(body);
        addMetric(r, body, false);
        return {};
      }
      case 'POST runs/log-parameter': {
        const r = activeRun(body);
        const value = body.value;
        if (value === undefined || value === null)
          throw invalid(
            "Missing value for required parameter 'value'. See the API docs for more information about request parameters.",
          );
        setParam(r, String(requireField(body, 'key')), String(value));
        return {};
      }
      case 'POST runs/set-tag': {
        const r = activeRun(body);
        if (body.value === undefined || body.value === null)
          throw invalid(
            "Missing value for required parameter 'value'. See the API docs for more information about request parameters.",
          );
        setTag(r, String(requireField(body, 'key')), String(body.value));
        return {};
      }
      case 'POST runs/delete-tag': {
        const r = activeRun(body);
        const key = String(requireField(body, 'key'));
        if (!r.tags.has(key)) throw notFound(`No tag with name: ${key} in run with id ${r.info.run_id}`);
        r.tags.delete(key);
        return {};
      }
      case 'POST runs/log-batch': {
        if (rawLength > 1_000_000)
          throw invalid(`Batched logging API requests must be at most 1 MB in size. Got ${rawLength} bytes.`);
        const metrics = Array.isArray(body.metrics) ? (body.metrics as Record<string, unknown>[]) : [];
        const params = Array.isArray(body.params) ? (body.params as Record<string, unknown>[]) : [];
        const tags = Array.isArray(body.tags) ? (body.tags as Record<string, unknown>[]) : [];
        const over = (n: number, max: number, what: string) => {
          if (n > max)
            throw invalid(
              `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
            );
        };
        over(metrics.length, 1000, 'metrics');
        over(params.length, 100, 'params');
        over(tags.length, 100, 'tags');
        const total = metrics.length + params.length + tags.length;
        if (total > 1000)
          throw invalid(
            `A batch logging request can contain at most 1000 total entities (metrics, params, and tags). Got ${total} total entities. Please split up metrics, params, and tags across multiple requests and try again.`,
          );
        const r = activeRun(body);
        // validate everything before writing anything (MLflow validates the whole batch first)
        const staged: Run = { info: r.info, metrics: [], params: new Map(r.params), tags: new Map(r.tags) };
        for (const p of params) {
          if (p.value === undefined || p.value === null)
            throw invalid("Missing value for required parameter 'params[].value'.");
          setParam(staged, String(p.key ?? ''), String(p.value));
        }
        for (const t of tags) setTag(staged, String(t.key ?? ''), String(t.value ?? ''));
        for (const m of metrics) addMetric(staged, m, true);
        r.params = staged.params;
        r.tags = staged.tags;
        r.metrics.push(...staged.metrics);
        return {};
      }
      case 'GET metrics/get-history': {
        const r = getRun({ run_id: q.get('run_id') ?? q.get('run_uuid') ?? undefined });
        const key = q.get('metric_key');
        if (!key)
          throw invalid(
            "Missing value for required parameter 'metric_key'. See the API docs for more information about request parameters.",
          );
        const all = r.metrics
          .filter((m) => m.key === key)
          .map((m) => ({ ...m, value: encodeValue(m.value) }));
        const max = Number(q.get('max_results') ?? 25000);
        const offset = q.get('page_token')
          ? Number(JSON.parse(Buffer.from(q.get('page_token') ?? '', 'base64').toString()).offset)
          : 0;
        const out: Record<string, unknown> = { metrics: all.slice(offset, offset + max) };
        if (offset + max < all.length)
          out.next_page_token = Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64');
        return out;
      }
      case 'GET artifacts/list': {
        const r = getRun({ run_id: q.get('run_id') ?? q.get('run_uuid') ?? undefined });
        const path = q.get('path') ?? '';
        const uri = r.info.artifact_uri;
        if (!uri.startsWith('mlflow-artifacts:/')) return { root_uri: uri, files: [] };
        const base = [uri.slice('mlflow-artifacts:/'.length), path].filter((x) => x !== '').join('/');
        return {
          root_uri: uri,
          files: listProxy(base).map((f) => ({
            ...f,
            path: [path, f.path].filter((x) => x !== '').join('/'),
          })),
        };
      }
      // ---- registry ----
      case 'POST registered-models/create': {
        const name = String(requireField(body, 'name'));
        if (models.has(name))
          throw new ApiError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Registered Model (name=${name}) already exists.`,
          );
        const now = Date.now();
        const m: RegisteredModel = {
          name,
          creation_timestamp: now,
          last_updated_timestamp: now,
          description: String(body.description ?? ''),
          tags: (body.tags as { key: string; value: string }[]) ?? [],
          aliases: new Map(),
          versions: [],
        };
        models.set(name, m);
        return { registered_model: modelJson(m) };
      }
      case 'GET registered-models/get':
        return { registered_model: modelJson(getModel(q.get('name'))) };
      case 'GET registered-models/search': {
        const filter = q.get('filter') ?? '';
        const like = /^\s*name\s+(I?LIKE)\s+'([^']*)'\s*$/i.exec(filter);
        const eq = /^\s*name\s*=\s*'([^']*)'\s*$/i.exec(filter);
        let list = [...models.values()];
        if (like) {
          const re = new RegExp(
            `^${(like[2] ?? '')
              .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
              .replace(/%/g, '.*')
              .replace(/_/g, '.')}$`,
            like[1]?.toUpperCase() === 'ILIKE' ? 'i' : '',
          );
          list = list.filter((m) => re.test(m.name));
        } else if (eq) list = list.filter((m) => m.name === eq[1]);
        return { registered_models: list.map(modelJson) };
      }
      case 'PATCH registered-models/update': {
        const m = getModel(String(requireField(body, 'name')));
        m.description = String(body.description ?? '');
        m.last_updated_timestamp = Date.now();
        return { registered_model: modelJson(m) };
      }
      case 'DELETE registered-models/delete': {
        const m = getModel(String(requireField(body, 'name')));
        models.delete(m.name);
        return {};
      }
      case 'POST registered-models/alias': {
        const m = getModel(String(requireField(body, 'name')));
        const version = String(requireField(body, 'version'));
        if (!m.versions.some((v) => v.version === version))
          throw notFound(`Model Version (name=${m.name}, version=${version}) not found`);
        m.aliases.set(String(requireField(body, 'alias')), version);
        return {};
      }
      case 'GET registered-models/alias': {
        const m = getModel(q.get('name'));
        const v = m.aliases.get(q.get('alias') ?? '');
        if (v === undefined) throw invalid(`Registered model alias ${q.get('alias')} not found.`);
        return { model_version: versionJson(m, m.versions.find((x) => x.version === v) as ModelVersion) };
      }
      case 'DELETE registered-models/alias': {
        const m = getModel(q.get('name') ?? (body.name as string | undefined) ?? null);
        m.aliases.delete(q.get('alias') ?? String(body.alias ?? ''));
        return {};
      }
      case 'POST model-versions/create': {
        const m = getModel(String(requireField(body, 'name')));
        const now = Date.now();
        const v: ModelVersion = {
          name: m.name,
          version: String(m.versions.length + 1),
          creation_timestamp: now,
          last_updated_timestamp: now,
          current_stage: 'None',
          description: String(body.description ?? ''),
          source: String(requireField(body, 'source')),
          run_id: String(body.run_id ?? ''),
          status: 'READY',
          tags: (body.tags as { key: string; value: string }[]) ?? [],
        };
        m.versions.push(v);
        m.last_updated_timestamp = now;
        return { model_version: versionJson(m, v) };
      }
      case 'GET model-versions/get': {
        const m = getModel(q.get('name'));
        const v = m.versions.find((x) => x.version === q.get('version'));
        if (!v) throw notFound(`Model Version (name=${m.name}, version=${q.get('version')}) not found`);
        return { model_version: versionJson(m, v) };
      }
      case 'POST model-versions/transition-stage': {
        const m = getModel(String(requireField(body, 'name')));
        const v = m.versions.find((x) => x.version === String(body.version));
        if (!v) throw notFound(`Model Version (name=${m.name}, version=${String(body.version)}) not found`);
        const stage = String(requireField(body, 'stage'));
        const canonical = ['None', 'Staging', 'Production', 'Archived'].find(
          (s) => s.toLowerCase() === stage.toLowerCase(),
        );
        if (!canonical)
          throw invalid(
            `Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`,
          );
        if (
          body.archive_existing_versions === true &&
          (canonical === 'Staging' || canonical === 'Production')
        ) {
          for (const o of m.versions)
            if (o !== v && o.current_stage === canonical) o.current_stage = 'Archived';
        }
        v.current_stage = canonical;
        v.last_updated_timestamp = Date.now();
        return { model_version: versionJson(m, v) };
      }
      default:
        return undefined;
    }
  };

  function getModel(name: string | null): RegisteredModel {
    if (!name)
      throw invalid(
        "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
      );
    const m = models.get(name);
    if (!m) throw notFound(`Registered Model with name=${name} not found`);
    return m;
  }
  function versionJson(m: RegisteredModel, v: ModelVersion) {
    return { ...v, aliases: [...m.aliases].filter(([, ver]) => ver === v.version).map(([a]) => a) };
  }
  function modelJson(m: RegisteredModel) {
    const latest = new Map<string, ModelVersion>();
    for (const v of m.versions) latest.set(v.current_stage, v);
    return {
      name: m.name,
      creation_timestamp: m.creation_timestamp,
      last_updated_timestamp: m.last_updated_timestamp,
      description: m.description,
      latest_versions: [...latest.values()].map((v) => versionJson(m, v)),
      tags: m.tags,
      aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })),
    };
  }
  function listProxy(base: string): { path: string; is_dir: boolean; file_size?: number }[] {
    const pre = base === '' ? '' : `${base}/`;
    const dirs = new Set<string>();
    const files: { path: string; is_dir: boolean; file_size?: number }[] = [];
    for (const [k, v] of artifacts) {
      if (!k.startsWith(pre)) continue;
      const rest = k.slice(pre.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) dirs.add(rest.slice(0, slash));
      else files.push({ path: rest, is_dir: false, file_size: v.length });
    }
    return [
      ...[...dirs].sort().map((d) => ({ path: d, is_dir: true })),
      ...files.sort((a, b) => (a.path < b.path ? -1 : 1)),
    ];
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
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      let path = url.pathname;
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
      if (method === 'GET' && path === '/health') return send(200, 'OK', 'text/plain');
      if (method === 'GET' && path === '/version') return send(200, '2.9.2', 'text/plain');
      // artifact proxy
      const art = /^\/api\/2\.0\/mlflow-artifacts\/artifacts(?:\/(.*))?$/.exec(path);
      if (art) {
        const p = decodeURIComponent(art[1] ?? '').replace(/\/+$/, '');
        if (p === '' && method === 'GET') {
          const base = (url.searchParams.get('path') ?? '').replace(/^\/+|\/+$/g, '');
          return sendJson(200, { files: listProxy(base) });
        }
        if (p.split('/').includes('..'))
          return sendJson(400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid path: ${p}` });
        if (method === 'PUT') {
          artifacts.set(p, raw);
          return sendJson(200, {});
        }
        if (method === 'GET') {
          const b = artifacts.get(p);
          if (!b)
            return sendJson(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `File ${p} not found` });
          return send(200, b, 'application/octet-stream');
        }
        if (method === 'DELETE') {
          for (const k of [...artifacts.keys()]) if (k === p || k.startsWith(`${p}/`)) artifacts.delete(k);
          return sendJson(200, {});
        }
      }
      const m = /^\/(?:ajax-)?api\/2\.0\/mlflow\/(.+)$/.exec(path);
      if (!m || !m[1]) return send(404, FLASK_404, 'text/html; charset=utf-8');
      const endpoint = m[1];
      let body: Record<string, unknown> = {};
      if (method === 'POST' || method === 'PATCH' || (method === 'DELETE' && raw.length > 0)) {
        const ctype = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
        if (ctype !== 'application/json') {
          return sendJson(400, {
            error_code: 'INVALID_PARAMETER_VALUE',
            message: "Bad Request. Content-Type must be one of ['application/json']",
          });
        }
        try {
          body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
        } catch {
          return sendJson(400, { error_code: 'BAD_REQUEST', message: 'Bad Request. Malformed JSON' });
        }
        entry.json = body;
      }
      try {
        const result = api(method, endpoint, url.searchParams, body, raw.length);
        if (result === undefined) return send(404, FLASK_404, 'text/html; charset=utf-8');
        return sendJson(200, result);
      } catch (e) {
        if (e instanceof ApiError) return sendJson(e.status, { error_code: e.code, message: e.message });
        return sendJson(500, { error_code: 'INTERNAL_ERROR', message: String(e) });
      }
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
