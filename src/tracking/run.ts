import { MlflowError } from '../errors.js';
import type { ArtifactRepository } from './artifacts/artifact-repository.js';
import { normalizeArtifactPath } from './artifacts/artifact-repository.js';
import {
  validateKey,
  validateMetric,
  validateParamValue,
  validateTagValue,
  stringifyValue,
} from './limits.js';
import { guardRun, unguardRun } from './run-guard.js';
import { logTfjsModel } from './tfjs-model.js';
import type { LogModelOptions, LoggedModel, SavableModel } from './tfjs-model.js';
import type { TrackingStore } from './tracking-store.js';
import type { Metric, MlflowRun, RunInfo, RunStatus } from './types.js';

const INHERITED_TAGS = [
  'mlflow.user',
  'mlflow.source.name',
  'mlflow.source.type',
  'mlflow.source.git.commit',
  'mlflow.source.git.branch',
  'mlflow.source.git.repoURL',
  'mlflow.gitRepoURL',
];

/** How a {@link Run} buffers metrics and watches the process. */
export interface RunOptions {
  /** Flush once this many metric points are buffered (default 1000, one log-batch request). */
  flushEvery?: number;
  /** Also flush buffered metrics this often, in ms (default 10 000; 0 disables the timer). */
  flushIntervalMs?: number;
  /** Mark the run KILLED on Ctrl-C/SIGTERM and FAILED on a crash (default true). */
  handleSignals?: boolean;
  /** Called when a background flush fails (the error is also thrown by the next `flush()`/`end()`). */
  onError?: (error: unknown) => void;
}

/** Options of {@link Run.logMetric}. */
export interface LogMetricOptions {
  /** Training step (default 0, as MLflow). */
  step?: number;
  /** Milliseconds since the epoch (default now). */
  timestamp?: number;
}

/** Options of a nested run. */
export interface ChildRunOptions extends RunOptions {
  runName?: string;
  tags?: Record<string, unknown>;
}

/**
 * An MLflow run being logged to: params, tags and artifacts are written right away; metrics are
 * buffered and sent in batches (see {@link RunOptions}). `end()` flushes and sets the final status.
 *
 * @example
 * const run = await experiment.startRun({ runName: 'baseline' });
 * await run.logParams({ lr: 1e-3, batchSize: 8 });
 * for (let epoch = 0; epoch < 10; epoch++) run.logMetrics({ loss, dice }, { step: epoch });
 * await run.logArtifact('confusion.png');
 * await run.end();            // FINISHED; end('FAILED') on error
 */
export class Run {
  /** The run ID (32 hex characters). */
  readonly id: string;
  /** The backend this run logs to. */
  readonly store: TrackingStore;
  /** Run metadata as of creation (status, start time, artifact URI …). */
  readonly info: RunInfo;
  /** True when this run was created elsewhere and attached to (`MLFLOW_RUN_ID`). */
  readonly attached: boolean;
  private readonly flushEvery: number;
  private readonly onError: ((e: unknown) => void) | undefined;
  private buffer: Metric[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private pendingError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private repo: ArtifactRepository | undefined;
  private endedFlag = false;
  private readonly options: RunOptions;

  constructor(store: TrackingStore, run: MlflowRun, options: RunOptions & { attached?: boolean } = {}) {
    this.store = store;
    this.info = { ...run.info };
    this.id = run.info.run_id;
    this.attached = options.attached ?? false;
    this.options = options;
    this.flushEvery = Math.max(1, options.flushEvery ?? 1000);
    this.onError = options.onError;
    const interval = options.flushIntervalMs ?? 10_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.buffer.length > 0) this.startFlush();
      }, interval);
      this.timer.unref();
    }
    if (options.handleSignals ?? true) guardRun(this);
  }

  /** The experiment this run belongs to. */
  get experimentId(): string {
    return this.info.experiment_id;
  }

  /** Where the run's artifacts go (`file:`, `mlflow-artifacts:` or `s3://`). */
  get artifactUri(): string {
    return this.info.artifact_uri;
  }

  /** True once `end()` has run. */
  get ended(): boolean {
    return this.endedFlag;
  }

  /** The artifact repository of this run. */
  get artifacts(): ArtifactRepository {
    this.repo ??= this.store.artifactRepository(this.info.artifact_uri);
    return this.repo;
  }

  private checkOpen(what: string): void {
    if (this.endedFlag) throw new MlflowError(`${what}: run ${this.id} has ended`, 'INVALID_STATE', 0);
  }

  /**
   * Buffers one metric point (NaN and ±Infinity are allowed and logged as such). Invalid keys or values
   * throw here, not at flush time.
   */
  logMetric(key: string, value: number, options: LogMetricOptions = {}): void {
    this.checkOpen('logMetric');
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    validateMetric(key, value, timestamp, step);
    this.buffer.push({ key, value, timestamp, step });
    if (this.buffer.length >= this.flushEvery) this.startFlush();
  }

  /** Buffers several metrics with the same step and timestamp. */
  logMetrics(metrics: Record<string, number>, options: LogMetricOptions = {}): void {
    const timestamp = options.timestamp ?? Date.now();
    for (const [k, v] of Object.entries(metrics)) this.logMetric(k, v, { ...options, timestamp });
  }

  private startFlush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    const p = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.logBatch(this.id, { metrics: batch });
      } catch (e) {
        this.pendingError ??= e;
        this.onError?.(e);
      }
    });
    this.flushing = p;
    return p;
  }

  /** Sends buffered metrics now; throws the first error of any earlier background flush. */
  async flush(): Promise<void> {
    await this.startFlush();
    if (this.pendingError !== undefined) {
      const e = this.pendingError;
      this.pendingError = undefined;
      throw e;
    }
  }

  /** Logs one param (values are stringified: numbers, booleans, objects as JSON). */
  async logParam(key: string, value: unknown): Promise<void> {
    await this.logParams({ [key]: value });
  }

  /** Logs params in one batch (split as the server requires). Params are immutable once logged. */
  async logParams(params: Record<string, unknown>): Promise<void> {
    this.checkOpen('logParams');
    const list = Object.entries(params).map(([key, v]) => {
      const value = stringifyValue(v);
      validateKey('param', key);
      validateParamValue(key, value);
      return { key, value };
    });
    if (list.length > 0) await this.store.logBatch(this.id, { params: list });
  }

  /** Sets one tag. */
  async setTag(key: string, value: unknown): Promise<void> {
    await this.setTags({ [key]: value });
  }

  /** Sets tags in one batch. */
  async setTags(tags: Record<string, unknown>): Promise<void> {
    const list = Object.entries(tags).map(([key, v]) => {
      const value = stringifyValue(v);
      validateKey('tag', key);
      validateTagValue(key, value);
      return { key, value };
    });
    if (list.length > 0) await this.store.logBatch(this.id, { tags: list });
  }

  /** Uploads one local file under `artifactPath` (the artifact root by default). */
  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    await this.artifacts.logArtifact(localFile, artifactPath);
  }

  /** Uploads a local folder's files, recursively, under `artifactPath`. */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    await this.artifacts.logArtifacts(localDir, artifactPath);
  }

  /** Writes text as an artifact file (e.g. `logText(summary, 'model/summary.txt')`). */
  async logText(text: string, artifactFile: string): Promise<void> {
    await this.artifacts.putBytes(normalizeArtifactPath(artifactFile), text);
  }

  /** Writes a JSON-serialisable value as an artifact file. */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    await this.logText(`${JSON.stringify(value, null, 2)}\n`, artifactFile);
  }

  /**
   * Saves a tfjs model (`tf.LayersModel`) as artifacts: `model/model.json`, `model/weights.bin` and an
   * `MLmodel` file; records it in the `mlflow.log-model.history` tag. Load it back with
   * `tf.loadLayersModel(modelLoadHandler(run.artifacts))`.
   */
  async logModel(model: SavableModel, options: LogModelOptions = {}): Promise<LoggedModel> {
    this.checkOpen('logModel');
    const logged = await logTfjsModel(this.artifacts, this.id, model, options);
    const current = (await this.fetch()).data.tags.find((t) => t.key === 'mlflow.log-model.history')?.value;
    let history: unknown[] = [];
    try {
      const parsed: unknown = current ? JSON.parse(current) : [];
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      history = [];
    }
    history.push({
      run_id: this.id,
      artifact_path: logged.artifactPath,
      utc_time_created: new Date().toISOString().replace('T', ' ').replace('Z', '000'),
      flavors: { tfjs: { format: 'layers-model', model_json: 'model.json' } },
      model_uuid: logged.modelUuid,
    });
    let value = JSON.stringify(history);
    while (value.length > 5000 && history.length > 1) value = JSON.stringify((history = history.slice(1)));
    await this.setTag('mlflow.log-model.history', value);
    return logged;
  }

  /** Reads the current state of the run from the server (metrics as latest values). */
  async fetch(): Promise<MlflowRun> {
    return this.store.getRun(this.id);
  }

  /**
   * Starts a nested run (tag `mlflow.parentRunId`), e.g. one per fold of a cross-validation. End it before
   * the parent; a crash or Ctrl-C ends children first.
   */
  async startChildRun(options: ChildRunOptions = {}): Promise<Run> {
    this.checkOpen('startChildRun');
    const tags = [
      ...Object.entries(options.tags ?? {}).map(([key, v]) => ({ key, value: stringifyValue(v) })),
      { key: 'mlflow.parentRunId', value: this.id },
    ];
    const parentTags = (await this.fetch()).data.tags;
    for (const key of INHERITED_TAGS) {
      const v = parentTags.find((t) => t.key === key)?.value;
      if (v !== undefined && !tags.some((t) => t.key === key)) tags.push({ key, value: v });
    }
    const created = await this.store.createRun({
      experimentId: this.experimentId,
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      tags,
      startTime: Date.now(),
    });
    const { runName: _n, tags: _t, ...runOptions } = options;
    return new Run(this.store, created, { ...this.options, ...runOptions });
  }

  /**
   * Flushes metrics and sets the final status (`FINISHED` by default, `FAILED`, `KILLED`) and end time.
   * Ending twice is a no-op. If the flush failed, the status is still set and the flush error is thrown.
   */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.endedFlag) return;
    this.endedFlag = true;
    if (this.timer) clearInterval(this.timer);
    unguardRun(this);
    let flushError: unknown;
    try {
      await this.flush();
    } catch (e) {
      flushError = e;
    }
    await this.store.updateRun(this.id, { status, endTime: Date.now() });
    this.info.status = status;
    if (flushError !== undefined) throw flushError;
  }

  /**
   * Runs `fn` with this run and ends it: FINISHED when `fn` resolves, FAILED (and rethrows) when it throws.
   */
  async use<T>(fn: (run: Run) => Promise<T> | T): Promise<T> {
    try {
      const out = await fn(this);
      await this.end('FINISHED');
      return out;
    } catch (e) {
      await this.end('FAILED').catch(() => undefined);
      throw e;
    }
  }
}
