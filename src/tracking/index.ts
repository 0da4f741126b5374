/**
 * Experiment tracking: MLflow REST client, local `./mlruns` store, artifacts (proxy, S3/MinIO, local),
 * runs with buffered metrics, the seed's `Experiment`, and tfjs integration.
 */
export { Experiment, shellQuote } from './experiment.js';
export { runTrackingCli } from './cli.js';
export type { TrackingCliIo } from './cli.js';
export type {
  ExperimentOptions,
  ExperimentRunOptions,
  EntryPointOptions,
  EntryPointResult,
} from './experiment.js';
export { parseExperimentConfig, readExperimentConfig, parseConfigParserText } from './config.js';
export type { ExperimentConfig } from './config.js';
export { Run } from './run.js';
export type { RunOptions, LogMetricOptions, ChildRunOptions } from './run.js';
export { startRun, createTrackingStore, getOrCreateExperiment, defaultRunTags } from './start-run.js';
export type { StartRunOptions, TrackingStoreOptions } from './start-run.js';
export { MlflowClient, parseRun, parseRunInfo, parseExperiment, parseMetric } from './mlflow-client.js';
export type { MlflowClientOptions } from './mlflow-client.js';
export { FileStore } from './file-store.js';
export type { FileStoreOptions } from './file-store.js';
export type { TrackingStore } from './tracking-store.js';
export { MlflowHttp, RETRY_STATUSES, htmlSummary } from './mlflow-http.js';
export type { FetchLike, HttpOptions, HttpRequest, BodyLike } from './mlflow-http.js';
export { createTlsFetch, tlsFetchFromEnv } from './tls-fetch.js';
export type { TlsOptions } from './tls-fetch.js';
export {
  authFromEnv,
  authorizationHeader,
  retryFromEnv,
  timeoutFromEnv,
  defaultUser,
  envFlag,
} from './env.js';
export type { MlflowAuth, RetryOptions, TrackingEnv } from './env.js';
export { chunkLogBatch, metricToJson } from './batch.js';
export type { LogBatch, BatchLimits } from './batch.js';
export {
  MLFLOW_LIMITS,
  validateKey,
  validateParamValue,
  validateTagValue,
  validateMetric,
  stringifyValue,
  tagValueLimit,
} from './limits.js';
export { encodeMetricValue, decodeMetricValue } from './metric-value.js';
export type { EncodedMetricValue } from './metric-value.js';
export { parseSearchFilter, runMatches, sortRuns } from './search-filter.js';
export type { FilterClause } from './search-filter.js';
export { readGitInfo, checkGitClean, gitRunTags, redactRemoteUrl } from './git.js';
export type { GitInfo } from './git.js';
export { guardRun, unguardRun } from './run-guard.js';
export { generateRunName } from './run-name.js';
export { writeFileAtomic } from './atomic-write.js';
export { dumpFlatYaml, parseFlatYaml } from './yaml-lite.js';
export type { FlatYamlValue } from './yaml-lite.js';
export {
  BaseArtifactRepository,
  normalizeArtifactPath,
  joinArtifactPath,
  guessContentType,
} from './artifacts/artifact-repository.js';
export type { ArtifactRepository } from './artifacts/artifact-repository.js';
export { LocalArtifactRepository, localPathFromUri } from './artifacts/local-artifact-repository.js';
export { MlflowArtifactsRepository } from './artifacts/mlflow-artifacts-repository.js';
export {
  S3ArtifactRepository,
  S3Client,
  parseS3Uri,
  resolveS3Options,
} from './artifacts/s3-artifact-repository.js';
export type { S3Options, ResolvedS3Options } from './artifacts/s3-artifact-repository.js';
export { createArtifactRepository } from './artifacts/create-artifact-repository.js';
export type { ArtifactStoreOptions } from './artifacts/create-artifact-repository.js';
export { mlflowCallback } from './tfjs-callback.js';
export type { MlflowCallbackOptions } from './tfjs-callback.js';
export { logTfjsModel, serializeTfjsModel, loadModelArtifacts, modelLoadHandler } from './tfjs-model.js';
export type { SavableModel, LogModelOptions, LoggedModel } from './tfjs-model.js';
export type {
  RunStatus,
  ViewType,
  LifecycleStage,
  Metric,
  Param,
  RunTag,
  MlflowExperiment,
  RunInfo,
  RunData,
  MlflowRun,
  Page,
  SearchRunsOptions,
  SearchExperimentsOptions,
  CreateRunOptions,
  UpdateRunOptions,
  FileInfo,
  RegisteredModel,
  ModelVersion,
} from './types.js';
export { RUN_STATUSES } from './types.js';
