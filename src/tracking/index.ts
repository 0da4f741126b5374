/**
 * Experiment tracking: MLflow REST client, local `./mlruns` store, artifacts (proxy, S3/MinIO, local),
 * runs with buffered metrics, the seed's `Experiment`, and tfjs integration.
 */
export {
  Experiment,
  type EntryPointOptions,
  type EntryPointResult,
  type ExperimentOptions,
  type ExperimentRunOptions,
} from './experiment.js';
export { runTrackingCli, type TrackingCliIo } from './cli.js';
export { parseExperimentConfig, readExperimentConfig, type ExperimentConfig } from './config.js';
export { Run, type ChildRunOptions, type LogMetricOptions, type RunOptions } from './run.js';
export {
  createTrackingStore,
  defaultRunTags,
  getOrCreateExperiment,
  startRun,
  type StartRunOptions,
  type TrackingStoreOptions,
} from './start-run.js';
export { MlflowClient, type MlflowClientOptions } from './mlflow-client.js';
export { FileStore, type FileStoreOptions } from './file-store.js';
export { type TrackingStore } from './tracking-store.js';
export {
  MlflowHttp,
  type BodyLike,
  type EndpointSettings,
  type HttpOptions,
  type HttpRequest,
} from './mlflow-http.js';
export { createTlsFetch, type FetchLike, type TlsOptions } from '../http/tls-fetch.js';
export { tlsFetchFromEnv } from './tls-fetch.js';
export {
  authFromEnv,
  retryFromEnv,
  timeoutFromEnv,
  type MlflowAuth,
  type RetryOptions,
  type TrackingEnv,
} from './env.js';
export { MLFLOW_LIMITS } from './limits.js';
export { BaseArtifactRepository, type ArtifactRepository } from './artifacts/artifact-repository.js';
export { LocalArtifactRepository } from './artifacts/local-artifact-repository.js';
export { MlflowArtifactsRepository } from './artifacts/mlflow-artifacts-repository.js';
export {
  S3ArtifactRepository,
  S3Client,
  type ResolvedS3Options,
  type S3Options,
} from './artifacts/s3-artifact-repository.js';
export {
  createArtifactRepository,
  type ArtifactStoreOptions,
} from './artifacts/create-artifact-repository.js';
export { mlflowCallback, type MlflowCallbackOptions } from './tfjs-callback.js';
export {
  loadModelArtifacts,
  logTfjsModel,
  modelLoadHandler,
  type LogModelOptions,
  type LoggedModel,
  type SavableModel,
} from './tfjs-model.js';
export {
  RUN_STATUSES,
  type CreateRunOptions,
  type FileInfo,
  type LifecycleStage,
  type Metric,
  type MlflowExperiment,
  type MlflowRun,
  type ModelVersion,
  type Page,
  type Param,
  type RegisteredModel,
  type RunData,
  type RunInfo,
  type RunStatus,
  type RunTag,
  type SearchExperimentsOptions,
  type SearchRunsOptions,
  type UpdateRunOptions,
  type ViewType,
} from './types.js';
export { type GitInfo } from './git.js';
export { type LogBatch } from './batch.js';
