import { spawn } from 'node:child_process';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { S3Client, parseS3Uri } from './artifacts/s3-artifact-repository.js';
import type { S3Options } from './artifacts/s3-artifact-repository.js';
import { readExperimentConfig } from './config.js';
import type { ExperimentConfig } from './config.js';
import type { TrackingEnv } from './env.js';
import { FileStore } from './file-store.js';
import { checkGitClean, gitRunTags, readGitInfo } from './git.js';
import type { GitInfo } from './git.js';
import type { FetchLike } from './mlflow-http.js';
import { Run } from './run.js';
import type { RunOptions } from './run.js';
import { createTrackingStore, getOrCreateExperiment, startRun } from './start-run.js';
import type { TrackingStoreOptions } from './start-run.js';
import type { TrackingStore } from './tracking-store.js';
import type { MlflowExperiment, RunStatus } from './types.js';

/** Options of {@link Experiment}. */
export interface ExperimentOptions {
  /** Path of the seed's INI `config.cfg` (relative to `projectPath`); or pass `config`. */
  configPath?: string;
  /** Typed configuration instead of a file. */
  config?: ExperimentConfig;
  /** The training code's folder (git checks, entry-point working directory, default `./mlruns`). Default `.`. */
  projectPath?: string;
  /** Use the `LOCAL_*` server settings (the seed's `use_localhost`). */
  useLocalhost?: boolean;
  /** Skip the git check (the seed's `--ignore_git_check`). Runs are then tagged with whatever commit is checked out. */
  ignoreGitCheck?: boolean;
  /** Create the artifact bucket (e.g. `mlflow` of `s3://mlflow`) if it is missing (default true). */
  createBucket?: boolean;
  /** Backend to use instead of the one the configuration names (tests, custom stores). */
  store?: TrackingStore;
  /** Tracking client options (auth, retries, TLS fetch …). */
  client?: Omit<TrackingStoreOptions, 'env'>;
  /** Object store options for `s3://` (fetch, region …); the endpoint defaults to the configuration's. */
  s3?: S3Options & { fetch?: FetchLike };
  /** Environment to read (default `process.env`); never modified. */
  env?: TrackingEnv;
}

/** Options of {@link Experiment.startRun}. */
export interface ExperimentRunOptions extends RunOptions {
  runName?: string;
  tags?: Record<string, unknown>;
  description?: string;
  /** Parent run for a nested run. */
  parentRunId?: string;
}

/** Options of {@link Experiment.run}. */
export interface EntryPointOptions {
  /** Values for `{name}` placeholders; parameters without a placeholder are appended as `--name value`. Logged as run params. */
  params?: Record<string, string | number | boolean>;
  /** Extra arguments appended to the command (shell-quoted). */
  args?: string[];
  runName?: string;
  tags?: Record<string, unknown>;
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  /** `inherit` (default) shows the child's output; `pipe` collects it into the result. */
  stdio?: 'inherit' | 'pipe';
}

/** What {@link Experiment.run} returns. */
export interface EntryPointResult {
  runId: string;
  status: RunStatus;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Captured output with `stdio: 'pipe'`. */
  stdout?: string;
  stderr?: string;
}

const SHELL_SIGNALS: Record<number, NodeJS.Signals> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  9: 'SIGKILL',
  15: 'SIGTERM',
};

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A training project tied to an MLflow experiment, as the seed's `Experiment` (improved): reads
 * `config.cfg` (or a typed config), checks that the code is committed and pushed, points tracking at the
 * configured server (or `./mlruns` when none is configured), creates the experiment and the MinIO bucket
 * if missing, and starts runs tagged with the git commit, branch and remote.
 *
 * The environment is never modified: child processes of {@link Experiment.run} get `MLFLOW_TRACKING_URI`,
 * `MLFLOW_EXPERIMENT_ID`, `MLFLOW_RUN_ID` and `MLFLOW_S3_ENDPOINT_URL` explicitly.
 *
 * @example
 * const experiment = new Experiment({ configPath: 'config.cfg', projectPath: '.' });
 * const run = await experiment.startRun({ runName: 'baseline' });
 * ... run.logMetric('loss', loss, { step: epoch }) ...
 * await run.end();
 */
export class Experiment {
  readonly config: ExperimentConfig;
  readonly projectPath: string;
  /** Experiment name (`[project] NAME`, lower-cased like the seed). */
  readonly name: string;
  /** Tracking URI in use (`http(s)://…` or `file:///…/mlruns`). */
  readonly trackingUri: string | undefined;
  /** S3 endpoint in use, if any. */
  readonly s3EndpointUrl: string | undefined;
  /** Artifact root for the experiment, if configured. */
  readonly artifactLocation: string | undefined;
  private readonly options: ExperimentOptions;
  private readonly env: TrackingEnv;
  private initPromise: Promise<{ experiment: MlflowExperiment; git: GitInfo | undefined }> | undefined;
  private storeInstance: TrackingStore | undefined;

  constructor(options: ExperimentOptions) {
    this.options = options;
    this.projectPath = resolve(options.projectPath ?? '.');
    if (options.config === undefined && options.configPath === undefined) {
      throw new ConfigError("Experiment needs configPath (the seed's config.cfg) or config");
    }
    const path =
      options.configPath === undefined
        ? undefined
        : isAbsolute(options.configPath)
          ? options.configPath
          : join(this.projectPath, options.configPath);
    this.config = options.config ?? readExperimentConfig(path as string);
    if (!this.config.project?.name)
      throw new ConfigError('experiment configuration: project.name is required');
    this.name = this.config.project.name.toLowerCase();
    const base = options.env ?? process.env;
    const s = this.config.server ?? {};
    const trackingUri = options.useLocalhost ? (s.localTrackingUri ?? s.trackingUri) : s.trackingUri;
    const s3 = options.useLocalhost ? (s.localS3EndpointUrl ?? s.s3EndpointUrl) : s.s3EndpointUrl;
    this.trackingUri = trackingUri ?? (base.MLFLOW_TRACKING_URI || undefined);
    this.s3EndpointUrl = options.s3?.endpointUrl ?? s3 ?? (base.MLFLOW_S3_ENDPOINT_URL || undefined);
    this.artifactLocation = s.artifactPath;
    const env: Record<string, string | undefined> = { ...base };
    if (this.trackingUri !== undefined) env.MLFLOW_TRACKING_URI = this.trackingUri;
    if (this.s3EndpointUrl !== undefined) env.MLFLOW_S3_ENDPOINT_URL = this.s3EndpointUrl;
    this.env = env;
  }

  /** The tracking backend (an {@link MlflowClient} or a {@link FileStore} in `<projectPath>/mlruns`). */
  get store(): TrackingStore {
    if (this.storeInstance === undefined) {
      const s3 = { ...this.options.s3, ...(this.s3EndpointUrl ? { endpointUrl: this.s3EndpointUrl } : {}) };
      this.storeInstance =
        this.options.store ??
        (this.trackingUri === undefined
          ? new FileStore(join(this.projectPath, 'mlruns'), { s3, env: this.env })
          : createTrackingStore(this.trackingUri, { ...this.options.client, s3, env: this.env }));
    }
    return this.storeInstance;
  }

  /** The experiment ID (after {@link init}). */
  async id(): Promise<string> {
    return (await this.init()).experiment.experiment_id;
  }

  /**
   * Checks git (unless `ignoreGitCheck`, or when attaching to `MLFLOW_RUN_ID` inside `experiment.run`),
   * the S3 credentials, creates the experiment and the bucket if missing. Runs once; `startRun` calls it.
   */
  init(): Promise<{ experiment: MlflowExperiment; git: GitInfo | undefined }> {
    this.initPromise ??= (async () => {
      const attaching = !!this.env.MLFLOW_RUN_ID;
      let git: GitInfo | undefined;
      if (this.options.ignoreGitCheck || attaching)
        git = await readGitInfo(this.projectPath).catch(() => undefined);
      else git = await checkGitClean(this.projectPath);
      const artifactRoot = this.artifactLocation;
      if (artifactRoot?.startsWith('s3://') && (this.options.createBucket ?? true)) {
        const s3 = new S3Client(
          { ...this.options.s3, ...(this.s3EndpointUrl ? { endpointUrl: this.s3EndpointUrl } : {}) },
          this.env,
        );
        await s3.ensureBucket(parseS3Uri(artifactRoot).bucket);
      }
      const experiment = await getOrCreateExperiment(this.store, this.name, artifactRoot);
      return { experiment, git };
    })();
    this.initPromise.catch(() => {
      this.initPromise = undefined;
    });
    return this.initPromise;
  }

  /** A one-paragraph description (the seed's `print_experiment_info`). */
  async describe(): Promise<string> {
    const { experiment, git } = await this.init();
    return [
      `experiment '${experiment.name}' (id ${experiment.experiment_id})`,
      `tracking: ${this.store.trackingUri}`,
      `artifacts: ${experiment.artifact_location}`,
      git
        ? `code: ${git.commit.slice(0, 12)} on ${git.branch ?? '(detached)'}${git.remoteUrl ? ` from ${git.remoteUrl}` : ''}`
        : 'code: not in git',
    ].join('\n');
  }

  /**
   * Starts a run in this experiment (or attaches to `MLFLOW_RUN_ID` when called inside
   * `experiment.run(...)`'s child process), tagged with the git commit, branch and remote.
   */
  async startRun(options: ExperimentRunOptions = {}): Promise<Run> {
    const { experiment, git } = await this.init();
    const tags: Record<string, unknown> = { ...(git ? gitRunTags(git) : {}), ...options.tags };
    return startRun({
      ...options,
      store: this.store,
      experimentId: experiment.experiment_id,
      tags,
      gitTags: false,
      env: this.env,
    });
  }

  /**
   * Runs a configured entry point as a child process in `projectPath` (the seed's `mlflow.run`, without
   * docker): creates the run, logs `params`, starts the command with `MLFLOW_RUN_ID`,
   * `MLFLOW_TRACKING_URI`, `MLFLOW_EXPERIMENT_ID` (and `MLFLOW_S3_ENDPOINT_URL`) set, so that a
   * `startRun()` in the child attaches to the same run, and records the outcome: exit 0 → FINISHED,
   * another exit code → FAILED, killed by a signal → KILLED.
   */
  async run(entryPoint: string, options: EntryPointOptions = {}): Promise<EntryPointResult> {
    const command = this.config.entryPoints?.[entryPoint.toLowerCase()];
    if (command === undefined) {
      const known = Object.keys(this.config.entryPoints ?? {});
      throw new ConfigError(
        `unknown entry point '${entryPoint}'${known.length ? ` (configured: ${known.join(', ')})` : ' ([entry_points] is empty)'}`,
      );
    }
    const params = options.params ?? {};
    const used = new Set<string>();
    let cmd = command.replace(/\{([A-Za-z_][\w-]*)\}/g, (m, name: string) => {
      if (!(name in params))
        throw new ConfigError(`entry point '${entryPoint}' needs parameter '${name}' (command: ${command})`);
      used.add(name);
      return shellQuote(String(params[name]));
    });
    for (const [k, v] of Object.entries(params)) if (!used.has(k)) cmd += ` --${k} ${shellQuote(String(v))}`;
    for (const a of options.args ?? []) cmd += ` ${shellQuote(a)}`;

    const run = await this.startRun({
      runName: options.runName ?? entryPoint,
      tags: {
        'mlflow.source.type': 'PROJECT',
        'mlflow.project.entryPoint': entryPoint,
        'mlflow.project.backend': 'local',
        ...options.tags,
      },
    });
    try {
      if (Object.keys(params).length > 0) await run.logParams(params);
    } catch (e) {
      await run.end('FAILED').catch(() => undefined);
      throw e;
    }
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.env)) if (v !== undefined) childEnv[k] = v;
    Object.assign(childEnv, options.env, {
      MLFLOW_RUN_ID: run.id,
      MLFLOW_TRACKING_URI: this.store.trackingUri,
      MLFLOW_EXPERIMENT_ID: run.experimentId,
      MLFLOW_EXPERIMENT_NAME: this.name,
    });
    if (this.s3EndpointUrl !== undefined) childEnv.MLFLOW_S3_ENDPOINT_URL = this.s3EndpointUrl;
    const stdio = options.stdio ?? 'inherit';
    const child = spawn(cmd, {
      cwd: this.projectPath,
      env: childEnv,
      shell: true,
      stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (res, rej) => {
        child.on('error', rej);
        child.on('close', (c, s) => res({ code: c, signal: s }));
      },
    ).catch(async (e: unknown) => {
      await run.end('FAILED').catch(() => undefined);
      throw new ConfigError(
        `could not start entry point '${entryPoint}' (${cmd}): ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    });
    // through `sh -c`, a child killed by a signal shows as exit status 128 + signal number
    const shellSignal = code !== null && code > 128 ? SHELL_SIGNALS[code - 128] : undefined;
    const sig = signal ?? shellSignal ?? null;
    const status: RunStatus = sig !== null ? 'KILLED' : code === 0 ? 'FINISHED' : 'FAILED';
    await run
      .setTag('csc_mlops.exit_code', sig !== null ? `signal ${sig}` : String(code))
      .catch(() => undefined);
    await run.end(status);
    const result: EntryPointResult = {
      runId: run.id,
      status,
      exitCode: sig !== null ? null : code,
      signal: sig,
    };
    if (stdio === 'pipe') {
      result.stdout = stdout;
      result.stderr = stderr;
    }
    return result;
  }
}
