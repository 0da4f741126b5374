import type { ArtifactRepository } from './artifacts/artifact-repository.js';
import type { LogBatch } from './batch.js';
import type {
  CreateRunOptions,
  Metric,
  MlflowExperiment,
  MlflowRun,
  Page,
  RunInfo,
  RunTag,
  SearchExperimentsOptions,
  SearchRunsOptions,
  UpdateRunOptions,
} from './types.js';

/**
 * What a {@link Run} needs from a tracking backend. Implemented by {@link MlflowClient} (REST, a tracking
 * server) and {@link FileStore} (a local `./mlruns` folder), so the same training code logs to either.
 */
export interface TrackingStore {
  /** The tracking URI this store writes to (`http(s)://…` or `file:///…/mlruns`). */
  readonly trackingUri: string;
  /** The experiment with this name, or `undefined` when there is none. */
  getExperimentByName(name: string): Promise<MlflowExperiment | undefined>;
  /** Creates an experiment and returns its ID. */
  createExperiment(name: string, options?: { artifactLocation?: string; tags?: RunTag[] }): Promise<string>;
  /** The experiment with this ID (MLflow `experiments/get`); a typed error when there is none. */
  getExperiment(experimentId: string): Promise<MlflowExperiment>;
  /** One page of experiments matching the filter (MLflow `experiments/search`). */
  searchExperiments(options?: SearchExperimentsOptions): Promise<Page<MlflowExperiment>>;
  /** Sets a tag on an experiment. */
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  /** Starts a run in an experiment and returns it (status RUNNING). */
  createRun(options: CreateRunOptions): Promise<MlflowRun>;
  /** Changes a run's status, end time or name. */
  updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo>;
  /** The run with its info and data (metrics' latest values, params, tags). */
  getRun(runId: string): Promise<MlflowRun>;
  /** One page of runs matching the filter and order (MLflow `runs/search`). */
  searchRuns(options: SearchRunsOptions): Promise<Page<MlflowRun>>;
  /** Marks a run deleted. */
  deleteRun(runId: string): Promise<void>;
  /** Logs metrics, params and tags, split into requests the server accepts. */
  logBatch(runId: string, batch: Partial<LogBatch>): Promise<void>;
  /** Logs one metric value at a step (timestamp defaults to now). */
  logMetric(
    runId: string,
    key: string,
    value: number,
    options?: { timestamp?: number; step?: number },
  ): Promise<void>;
  /** Logs a parameter; a parameter cannot change once logged. */
  logParam(runId: string, key: string, value: string): Promise<void>;
  /** Sets a run tag (overwrites). */
  setTag(runId: string, key: string, value: string): Promise<void>;
  /** Removes a run tag. */
  deleteTag(runId: string, key: string): Promise<void>;
  /** Every logged point of one metric, in logging order. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  /** The repository for a run's `artifact_uri`. */
  artifactRepository(artifactUri: string): ArtifactRepository;
}
