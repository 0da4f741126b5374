import { ConfigError, MlflowError } from '../errors.js';
import type { ArtifactRepository } from './artifacts/artifact-repository.js';
import { createArtifactRepository } from './artifacts/create-artifact-repository.js';
import type { S3Options } from './artifacts/s3-artifact-repository.js';
import { chunkLogBatch, metricToJson } from './batch.js';
import type { LogBatch } from './batch.js';
import { authFromEnv } from './env.js';
import type { MlflowAuth, RetryOptions, TrackingEnv } from './env.js';
import {
  tagValueLimit,
  validateKey,
  validateMetric,
  validateParamValue,
  validateTagValue,
} from './limits.js';
import { decodeMetricValue, encodeMetricValue } from './metric-value.js';
import { MlflowHttp } from './mlflow-http.js';
import type { FetchLike, HttpRequest } from './mlflow-http.js';
import { tlsFetchFromEnv } from './tls-fetch.js';
import type { TrackingStore } from './tracking-store.js';
import type {
  CreateRunOptions,
  Metric,
  MlflowExperiment,
  MlflowRun,
  ModelVersion,
  Page,
  RegisteredModel,
  RunInfo,
  RunStatus,
  RunTag,
  SearchExperimentsOptions,
  SearchRunsOptions,
  UpdateRunOptions,
} from './types.js';
import { RUN_STATUSES } from './types.js';

/** Options of {@link MlflowClient}. */
export interface MlflowClientOptions {
  /** Server URL, e.g. `https://mlflow.example.org` or `http://localhost:85/mlflow`; default `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** HTTP client (TLS, proxies, tests). Default: Node's fetch, or a TLS fetch when `MLFLOW_TRACKING_*_TLS/CERT` is set. */
  fetch?: FetchLike;
  /** Credentials; default from `MLFLOW_TRACKING_USERNAME`/`PASSWORD` or `MLFLOW_TRACKING_TOKEN`; `null` for none. */
  auth?: MlflowAuth | null;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Retry policy (default 5 retries, 2 s·2^n backoff capped at 60 s, 1 s jitter). */
  retry?: RetryOptions;
  /** Per-attempt timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** Sleep between retries (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Object store settings for `s3://` artifact roots (default from the environment). */
  s3?: S3Options;
  /** Environment to read (default `process.env`). */
  env?: TrackingEnv;
  /**
   * Run tag value limit. Default: the server's, from its `GET /version` (read once): 5000 characters on
   * MLflow 2.x, 8000 on 3.x; 5000 when the version cannot be read.
   */
  maxTagValueLength?: number;
}

type Json = Record<string, unknown>;

function toNumber(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function tagsOf(v: unknown): RunTag[] {
  return Array.isArray(v)
    ? v.map((t: Json) => ({ key: String(t.key), value: t.value === undefined ? '' : String(t.value) }))
    : [];
}

function statusOf(v: unknown): RunStatus {
  if (typeof v === 'number') return RUN_STATUSES[v - 1] ?? 'RUNNING';
  return RUN_STATUSES.includes(v as RunStatus) ? (v as RunStatus) : 'RUNNING';
}

/** Normalises an `Experiment` message from the server. */
export function parseExperiment(e: Json): MlflowExperiment {
  const out: MlflowExperiment = {
    experiment_id: String(e.experiment_id),
    name: String(e.name ?? ''),
    artifact_location: String(e.artifact_location ?? ''),
    lifecycle_stage: e.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    tags: tagsOf(e.tags),
  };
  const c = toNumber(e.creation_time);
  const u = toNumber(e.last_update_time);
  if (c !== undefined) out.creation_time = c;
  if (u !== undefined) out.last_update_time = u;
  return out;
}

/** Normalises a `RunInfo` message from the server. */
export function parseRunInfo(i: Json): RunInfo {
  const runId = String(i.run_id ?? i.run_uuid);
  return {
    run_id: runId,
    run_uuid: String(i.run_uuid ?? runId),
    run_name: String(i.run_name ?? ''),
    experiment_id: String(i.experiment_id),
    user_id: String(i.user_id ?? ''),
    status: statusOf(i.status),
    start_time: toNumber(i.start_time) ?? 0,
    end_time: toNumber(i.end_time) ?? null,
    artifact_uri: String(i.artifact_uri ?? ''),
    lifecycle_stage: i.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

/** Normalises a `Metric` message (decoding `"NaN"`/`"Infinity"`). */
export function parseMetric(m: Json): Metric {
  return {
    key: String(m.key),
    value: decodeMetricValue(m.value),
    timestamp: toNumber(m.timestamp) ?? 0,
    step: toNumber(m.step) ?? 0,
  };
}

/** Normalises a `Run` message. */
export function parseRun(r: Json): MlflowRun {
  const data = (r.data ?? {}) as Json;
  return {
    info: parseRunInfo((r.info ?? {}) as Json),
    data: {
      metrics: Array.isArray(data.metrics) ? data.metrics.map((m: Json) => parseMetric(m)) : [],
      params: Array.isArray(data.params)
        ? data.params.map((p: Json) => ({ key: String(p.key), value: String(p.value ?? '') }))
        : [],
      tags: tagsOf(data.tags),
    },
  };
}

/**
 * A typed client for the MLflow tracking REST API 2.0 (MLflow 2.x and 3.x servers): experiments, runs,
 * metrics/params/tags (log-batch chunked to the server's limits, NaN/±Infinity encoded as MLflow expects),
 * metric history, artifacts (through the server proxy or straight to S3/MinIO) and the model registry.
 *
 * @example
 * const client = new MlflowClient({ trackingUri: 'http://localhost:5000' });
 * const id = (await client.getExperimentByName('demo'))?.experiment_id ?? (await client.createExperiment('demo'));
 * const run = await client.createRun({ experimentId: id, runName: 'first' });
 * await client.logBatch(run.info.run_id, { metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 }] });
 */
export class MlflowClient implements TrackingStore {
  readonly trackingUri: string;
  /** The HTTP transport (shared with the artifact proxy repository). */
  readonly http: MlflowHttp;
  private readonly api: string;
  private readonly s3: S3Options | undefined;
  private readonly env: TrackingEnv;
  private tagLimit: Promise<number> | undefined;

  constructor(options: MlflowClientOptions = {}) {
    const env = options.env ?? process.env;
    const uri = options.trackingUri ?? env.MLFLOW_TRACKING_URI;
    if (uri === undefined || uri === '') {
      throw new ConfigError(
        'MlflowClient needs a tracking URI: pass trackingUri or set MLFLOW_TRACKING_URI (e.g. http://localhost:5000)',
      );
    }
    if (!/^https?:\/\//i.test(uri)) {
      throw new ConfigError(
        `MlflowClient talks to an http(s) MLflow server, got '${uri}' (use FileStore / createTrackingStore for file: URIs)`,
      );
    }
    let u: URL;
    try {
      u = new URL(uri);
    } catch (e) {
      throw new ConfigError(`invalid MLFLOW_TRACKING_URI '${uri}'`, { cause: e });
    }
    const uriAuth = u.username
      ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
      : undefined;
    u.username = '';
    u.password = '';
    this.trackingUri = u.href.replace(/\/+$/, '');
    this.api = `${this.trackingUri}/api/2.0/mlflow`;
    const auth = options.auth === undefined ? (uriAuth ?? authFromEnv(env)) : options.auth;
    const fetch = options.fetch ?? tlsFetchFromEnv(env);
    this.http = new MlflowHttp({
      auth,
      env,
      ...(fetch ? { fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    this.s3 = options.s3;
    this.env = env;
    if (options.maxTagValueLength !== undefined) {
      if (!Number.isSafeInteger(options.maxTagValueLength) || options.maxTagValueLength <= 0)
        throw new ConfigError(
          `maxTagValueLength must be a positive integer, got ${options.maxTagValueLength}`,
        );
      this.tagLimit = Promise.resolve(options.maxTagValueLength);
    }
  }

  /** The server's run tag value limit (5000 on MLflow 2.x, 8000 on 3.x), read once from `GET /version`. */
  maxTagValueLength(): Promise<number> {
    this.tagLimit ??= this.version().then(tagValueLimit, () => tagValueLimit(''));
    return this.tagLimit;
  }

  private async validateTags(tags: readonly RunTag[]): Promise<void> {
    if (tags.length === 0) return;
    const limit = await this.maxTagValueLength();
    for (const t of tags) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value, limit);
    }
  }

  private get<T>(
    path: string,
    query: Record<string, string | number | undefined> = {},
    extra: Partial<HttpRequest> = {},
  ): Promise<T> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return this.http.json<T>({ method: 'GET', url: `${this.api}/${path}${qs ? `?${qs}` : ''}`, ...extra });
  }

  private post<T>(path: string, body: Json, method: 'POST' | 'PATCH' | 'DELETE' = 'POST'): Promise<T> {
    return this.http.json<T>({ method, url: `${this.api}/${path}`, json: body });
  }

  // ---- experiments -------------------------------------------------------------------------------

  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    try {
      const r = await this.get<{ experiment: Json }>('experiments/get-by-name', { experiment_name: name });
      return parseExperiment(r.experiment);
    } catch (e) {
      if (e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: RunTag[] } = {},
  ): Promise<string> {
    if (typeof name !== 'string' || name.trim() === '')
      throw new ConfigError('experiment name must be a non-empty string');
    const body: Json = { name };
    if (options.artifactLocation !== undefined) body.artifact_location = options.artifactLocation;
    if (options.tags) body.tags = options.tags;
    const r = await this.post<{ experiment_id: string | number }>('experiments/create', body);
    return String(r.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<MlflowExperiment> {
    const r = await this.get<{ experiment: Json }>('experiments/get', { experiment_id: experimentId });
    return parseExperiment(r.experiment);
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<MlflowExperiment>> {
    const body: Json = {
      max_results: options.maxResults ?? 1000,
      view_type: options.viewType ?? 'ACTIVE_ONLY',
    };
    if (options.filter) body.filter = options.filter;
    if (options.orderBy) body.order_by = options.orderBy;
    if (options.pageToken) body.page_token = options.pageToken;
    const r = await this.post<{ experiments?: Json[]; next_page_token?: string }>('experiments/search', body);
    const page: Page<MlflowExperiment> = { items: (r.experiments ?? []).map(parseExperiment) };
    if (r.next_page_token) page.nextPageToken = r.next_page_token;
    return page;
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.validateTags([{ key, value }]);
    await this.post('experiments/set-experiment-tag', { experiment_id: experimentId, key, value });
  }

  /** Marks an experiment deleted (MLflow `experiments/delete`). */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.post('experiments/delete', { experiment_id: experimentId });
  }

  // ---- runs ----------------------------------------------------------------------------------------

  async createRun(options: CreateRunOptions): Promise<MlflowRun> {
    const tags = options.tags ?? [];
    await this.validateTags(tags);
    const body: Json = {
      experiment_id: options.experimentId,
      start_time: options.startTime ?? Date.now(),
      tags,
    };
    if (options.runName !== undefined) body.run_name = options.runName;
    if (options.userId !== undefined) body.user_id = options.userId;
    const r = await this.post<{ run: Json }>('runs/create', body);
    return parseRun(r.run);
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    const body: Json = { run_id: runId, run_uuid: runId };
    if (options.status !== undefined) body.status = options.status;
    if (options.endTime !== undefined) body.end_time = options.endTime;
    if (options.runName !== undefined) body.run_name = options.runName;
    const r = await this.post<{ run_info: Json }>('runs/update', body);
    return parseRunInfo(r.run_info);
  }

  async getRun(runId: string): Promise<MlflowRun> {
    const r = await this.get<{ run: Json }>('runs/get', { run_id: runId });
    return parseRun(r.run);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<MlflowRun>> {
    const body: Json = {
      experiment_ids: options.experimentIds,
      run_view_type: options.runViewType ?? 'ACTIVE_ONLY',
      max_results: options.maxResults ?? 1000,
    };
    if (options.filter) body.filter = options.filter;
    if (options.orderBy) body.order_by = options.orderBy;
    if (options.pageToken) body.page_token = options.pageToken;
    const r = await this.post<{ runs?: Json[]; next_page_token?: string }>('runs/search', body);
    const page: Page<MlflowRun> = { items: (r.runs ?? []).map(parseRun) };
    if (r.next_page_token) page.nextPageToken = r.next_page_token;
    return page;
  }

  /** Every run matching a search, following page tokens. */
  async *iterateRuns(options: Omit<SearchRunsOptions, 'pageToken'>): AsyncGenerator<MlflowRun> {
    let token: string | undefined;
    do {
      const page = await this.searchRuns({ ...options, ...(token ? { pageToken: token } : {}) });
      yield* page.items;
      token = page.nextPageToken;
    } while (token);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.post('runs/delete', { run_id: runId });
  }

  /** Restores a deleted run. */
  async restoreRun(runId: string): Promise<void> {
    await this.post('runs/restore', { run_id: runId });
  }

  // ---- logging ---------------------------------------------------------------------------------------

  async logMetric(
    runId: string,
    key: string,
    value: number,
    options: { timestamp?: number; step?: number } = {},
  ): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    validateMetric(key, value, timestamp, step);
    await this.post('runs/log-metric', {
      run_id: runId,
      run_uuid: runId,
      key,
      value: encodeMetricValue(value),
      timestamp,
      step,
    });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    validateKey('param', key);
    validateParamValue(key, value);
    await this.post('runs/log-parameter', { run_id: runId, run_uuid: runId, key, value });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.validateTags([{ key, value }]);
    await this.post('runs/set-tag', { run_id: runId, run_uuid: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.post('runs/delete-tag', { run_id: runId, key });
  }

  /**
   * Logs metrics, params and tags in as few `runs/log-batch` requests as the server's limits allow
   * (1000 metrics / 100 params / 100 tags / 1000 entities / 1 MB per request), sequentially, in order.
   */
  async logBatch(runId: string, batch: Partial<LogBatch>): Promise<void> {
    for (const m of batch.metrics ?? []) validateMetric(m.key, m.value, m.timestamp, m.step);
    for (const p of batch.params ?? []) {
      validateKey('param', p.key);
      validateParamValue(p.key, p.value);
    }
    await this.validateTags(batch.tags ?? []);
    for (const chunk of chunkLogBatch(batch)) {
      await this.post('runs/log-batch', {
        run_id: runId,
        metrics: chunk.metrics.map(metricToJson),
        params: chunk.params,
        tags: chunk.tags,
      });
    }
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const r = await this.get<{ metrics?: Json[]; next_page_token?: string }>('metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: 25000,
        page_token: token,
      });
      out.push(...(r.metrics ?? []).map(parseMetric));
      token = r.next_page_token || undefined;
    } while (token);
    return out;
  }

  // ---- artifacts -------------------------------------------------------------------------------------

  artifactRepository(artifactUri: string): ArtifactRepository {
    return createArtifactRepository(artifactUri, {
      tracking: { uri: this.trackingUri, http: this.http },
      ...(this.s3 ? { s3: this.s3 } : {}),
      env: this.env,
    });
  }

  /** Server health (`GET /health` → `OK`). */
  async health(): Promise<boolean> {
    const res = await this.http.send({ method: 'GET', url: `${this.trackingUri}/health` });
    return (await res.text()).trim() === 'OK';
  }

  /** Server version (`GET /version`). */
  async version(): Promise<string> {
    const res = await this.http.send({ method: 'GET', url: `${this.trackingUri}/version` });
    return (await res.text()).trim();
  }

  // ---- model registry ------------------------------------------------------------------------------

  /** Creates a registered model. */
  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: RunTag[] } = {},
  ): Promise<RegisteredModel> {
    const body: Json = { name };
    if (options.description !== undefined) body.description = options.description;
    if (options.tags) body.tags = options.tags;
    const r = await this.post<{ registered_model: RegisteredModel }>('registered-models/create', body);
    return r.registered_model;
  }

  /** A registered model, or `undefined` when there is none with this name. */
  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      const r = await this.get<{ registered_model: RegisteredModel }>('registered-models/get', { name });
      return r.registered_model;
    } catch (e) {
      if (e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  /** Searches registered models (`filter` e.g. `name LIKE 'seg%'`). */
  async searchRegisteredModels(
    options: { filter?: string; maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<RegisteredModel>> {
    const r = await this.get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
      'registered-models/search',
      {
        filter: options.filter,
        max_results: options.maxResults ?? 100,
        page_token: options.pageToken,
      },
    );
    const page: Page<RegisteredModel> = { items: r.registered_models ?? [] };
    if (r.next_page_token) page.nextPageToken = r.next_page_token;
    return page;
  }

  /** Updates a registered model's description. */
  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const r = await this.post<{ registered_model: RegisteredModel }>(
      'registered-models/update',
      { name, description },
      'PATCH',
    );
    return r.registered_model;
  }

  /** Deletes a registered model and its versions. */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.post('registered-models/delete', { name }, 'DELETE');
  }

  /** Registers a model version from a run's artifacts (`source` e.g. `runs:/<run_id>/model` or the artifact URI). */
  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; tags?: RunTag[]; description?: string } = {},
  ): Promise<ModelVersion> {
    const body: Json = { name, source };
    if (options.runId !== undefined) body.run_id = options.runId;
    if (options.tags) body.tags = options.tags;
    if (options.description !== undefined) body.description = options.description;
    const r = await this.post<{ model_version: ModelVersion }>('model-versions/create', body);
    return r.model_version;
  }

  /** One model version. */
  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.get<{ model_version: ModelVersion }>('model-versions/get', { name, version });
    return r.model_version;
  }

  /** Moves a model version to a stage (`Staging`, `Production`, `Archived`, `None`). */
  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    const r = await this.post<{ model_version: ModelVersion }>('model-versions/transition-stage', {
      name,
      version,
      stage,
      archive_existing_versions: archiveExistingVersions,
    });
    return r.model_version;
  }

  /** Points an alias (e.g. `champion`) at a model version. */
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.post('registered-models/alias', { name, alias, version });
  }

  /** The model version an alias points at. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.get<{ model_version: ModelVersion }>('registered-models/alias', { name, alias });
    return r.model_version;
  }

  /** Removes an alias (MLflow 2.9 reads it from a JSON body only, also for DELETE). */
  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.post('registered-models/alias', { name, alias }, 'DELETE');
  }
}
