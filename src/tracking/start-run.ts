import { basename } from 'node:path';
import { ConfigError, MlflowError } from '../errors.js';
import { defaultUser } from './env.js';
import type { TrackingEnv } from './env.js';
import { FileStore } from './file-store.js';
import { gitRunTags, readGitInfo } from './git.js';
import { stringifyValue } from './limits.js';
import { MlflowClient } from './mlflow-client.js';
import type { MlflowClientOptions } from './mlflow-client.js';
import { Run } from './run.js';
import type { RunOptions } from './run.js';
import type { TrackingStore } from './tracking-store.js';
import type { MlflowExperiment, RunTag } from './types.js';

/** Options of {@link createTrackingStore}. */
export interface TrackingStoreOptions extends Omit<MlflowClientOptions, 'trackingUri'> {
  /** Folder used when no tracking URI is set (default `./mlruns`). */
  defaultRoot?: string;
}

/**
 * The tracking backend for a URI: `http(s)://…` → {@link MlflowClient}; `file:…`, a path, or nothing at
 * all (no `MLFLOW_TRACKING_URI`) → {@link FileStore} in `./mlruns`.
 * @throws ConfigError for backends only the Python server offers (`sqlite:`, `postgresql:`, `databricks`)
 */
export function createTrackingStore(trackingUri?: string, options: TrackingStoreOptions = {}): TrackingStore {
  const env = options.env ?? process.env;
  const uri = trackingUri ?? (env.MLFLOW_TRACKING_URI || undefined);
  if (uri === undefined)
    return new FileStore(options.defaultRoot ?? 'mlruns', { ...(options.s3 ? { s3: options.s3 } : {}), env });
  if (/^https?:\/\//i.test(uri)) return new MlflowClient({ ...options, trackingUri: uri });
  if (uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri))
    return new FileStore(uri, { ...(options.s3 ? { s3: options.s3 } : {}), env });
  throw new ConfigError(
    `tracking URI '${uri}' is not supported here: use an http(s):// MLflow server (run 'mlflow server --backend-store-uri ${uri}') or a local folder`,
  );
}

/**
 * The experiment with this name, created (with `artifactLocation`, e.g. `s3://mlflow`) if missing. A
 * concurrent creation by another process is tolerated.
 */
export async function getOrCreateExperiment(
  store: TrackingStore,
  name: string,
  artifactLocation?: string,
): Promise<MlflowExperiment> {
  const found = await store.getExperimentByName(name);
  if (found) {
    if (found.lifecycle_stage === 'deleted') {
      throw new ConfigError(
        `experiment '${name}' is deleted: restore it in the MLflow UI (or 'mlflow experiments restore') or pick another name`,
      );
    }
    return found;
  }
  try {
    const id = await store.createExperiment(name, artifactLocation !== undefined ? { artifactLocation } : {});
    return await store.getExperiment(id);
  } catch (e) {
    if (e instanceof MlflowError && e.errorCode === 'RESOURCE_ALREADY_EXISTS') {
      const again = await store.getExperimentByName(name);
      if (again) return again;
    }
    throw e;
  }
}

/** Options of {@link startRun}. */
export interface StartRunOptions extends RunOptions {
  /** Backend (default {@link createTrackingStore} from `trackingUri` / `MLFLOW_TRACKING_URI`). */
  store?: TrackingStore;
  trackingUri?: string;
  /** Experiment by name (default `MLFLOW_EXPERIMENT_NAME`), created if missing. */
  experimentName?: string;
  /** Experiment by ID (default `MLFLOW_EXPERIMENT_ID`, else `0`, the Default experiment). */
  experimentId?: string;
  /** Artifact root for a new experiment (e.g. `s3://mlflow`). */
  artifactLocation?: string;
  runName?: string;
  tags?: Record<string, unknown>;
  /** A description shown in the MLflow UI (tag `mlflow.note.content`). */
  description?: string;
  /** Attach to this existing run instead of creating one (default `MLFLOW_RUN_ID`). */
  runId?: string;
  /** Create a nested run under this parent (tag `mlflow.parentRunId`). */
  parentRunId?: string;
  /** Add `mlflow.source.git.*` tags when the code is in a git repository (default true). */
  gitTags?: boolean;
  /** Folder whose git state is recorded (default the current directory). */
  projectPath?: string;
  env?: TrackingEnv;
}

/** The tags MLflow's Python client adds to every run (`mlflow.user`, `mlflow.source.name/type`). */
export function defaultRunTags(env: TrackingEnv = process.env): RunTag[] {
  const script = process.argv[1];
  return [
    { key: 'mlflow.user', value: defaultUser(env) },
    { key: 'mlflow.source.name', value: script ? basename(script) : 'node' },
    { key: 'mlflow.source.type', value: 'LOCAL' },
  ];
}

/**
 * Starts (or attaches to) a run, the TypeScript `mlflow.start_run()`:
 * - with `runId` or `MLFLOW_RUN_ID` set (e.g. inside `experiment.run(...)`'s child process), attaches to
 *   that run and marks it RUNNING, so no second run is opened;
 * - otherwise creates a run in the experiment named by the options or `MLFLOW_EXPERIMENT_NAME` /
 *   `MLFLOW_EXPERIMENT_ID` (creating the experiment if needed), in the store named by `MLFLOW_TRACKING_URI`
 *   or `./mlruns`, tagged with the user, source script and git commit.
 */
export async function startRun(options: StartRunOptions = {}): Promise<Run> {
  const env = options.env ?? process.env;
  const store = options.store ?? createTrackingStore(options.trackingUri, { env });
  const runOpts: RunOptions = {};
  if (options.flushEvery !== undefined) runOpts.flushEvery = options.flushEvery;
  if (options.flushIntervalMs !== undefined) runOpts.flushIntervalMs = options.flushIntervalMs;
  if (options.handleSignals !== undefined) runOpts.handleSignals = options.handleSignals;
  if (options.onError !== undefined) runOpts.onError = options.onError;

  const attachId =
    options.runId ?? (options.parentRunId === undefined ? env.MLFLOW_RUN_ID || undefined : undefined);
  if (attachId !== undefined) {
    const existing = await store.getRun(attachId);
    if (existing.info.lifecycle_stage === 'deleted') {
      throw new ConfigError(`cannot attach to run ${attachId} (MLFLOW_RUN_ID): it is deleted`);
    }
    const envExp = options.experimentId ?? (env.MLFLOW_EXPERIMENT_ID || undefined);
    if (envExp !== undefined && envExp !== existing.info.experiment_id) {
      throw new ConfigError(
        `run ${attachId} belongs to experiment ${existing.info.experiment_id}, not ${envExp} (MLFLOW_EXPERIMENT_ID): unset one of them`,
      );
    }
    const info = await store.updateRun(attachId, {
      status: 'RUNNING',
      ...(options.runName ? { runName: options.runName } : {}),
    });
    const run = new Run(store, { ...existing, info }, { ...runOpts, attached: true });
    const extra: Record<string, unknown> = { ...(options.tags ?? {}) };
    if (options.description !== undefined) extra['mlflow.note.content'] = options.description;
    if (Object.keys(extra).length > 0) await run.setTags(extra);
    return run;
  }

  let experimentId: string;
  const name =
    options.experimentName ??
    (options.experimentId === undefined ? env.MLFLOW_EXPERIMENT_NAME || undefined : undefined);
  if (name !== undefined)
    experimentId = (await getOrCreateExperiment(store, name, options.artifactLocation)).experiment_id;
  else experimentId = options.experimentId ?? (env.MLFLOW_EXPERIMENT_ID || '0');

  const tags = new Map<string, string>();
  for (const t of defaultRunTags(env)) tags.set(t.key, t.value);
  if (options.gitTags ?? true) {
    try {
      const info = await readGitInfo(options.projectPath ?? process.cwd());
      if (info) for (const [k, v] of Object.entries(gitRunTags(info))) tags.set(k, v);
    } catch {
      /* no git: no git tags */
    }
  }
  for (const [k, v] of Object.entries(options.tags ?? {})) tags.set(k, stringifyValue(v));
  if (options.description !== undefined) tags.set('mlflow.note.content', options.description);
  if (options.parentRunId !== undefined) tags.set('mlflow.parentRunId', options.parentRunId);
  const created = await store.createRun({
    experimentId,
    ...(options.runName !== undefined ? { runName: options.runName } : {}),
    startTime: Date.now(),
    userId: tags.get('mlflow.user') ?? defaultUser(env),
    tags: [...tags].map(([key, value]) => ({ key, value })),
  });
  return new Run(store, created, runOpts);
}
