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
  getExperiment(experimentId: string): Promise<MlflowExperiment>;
  searchExperiments(options?: SearchExperimentsOptions): Promise<Page<MlflowExperiment>>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  createRun(options: CreateRunOptions): Promise<MlflowRun>;
  updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo>;
  getRun(runId: string): Promise<MlflowRun>;
  searchRuns(options: SearchRunsOptions): Promise<Page<MlflowRun>>;
  /** Marks a run deleted. */
  deleteRun(runId: string): Promise<void>;
  /** Logs metrics, params and tags, split into requests the server accepts. */
  logBatch(runId: string, batch: Partial<LogBatch>): Promise<void>;
  logMetric(
    runId: string,
    key: string,
    value: number,
    options?: { timestamp?: number; step?: number },
  ): Promise<void>;
  logParam(runId: string, key: string, value: string): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  /** Every logged point of one metric, in logging order. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  /** The repository for a run's `artifact_uri`. */
  artifactRepository(artifactUri: string): ArtifactRepository;
}
