/**
 * Entity types of the MLflow tracking REST API 2.0 (`mlflow/protos/service.proto`), as returned by
 * {@link MlflowClient} and the local {@link FileStore}. Field names are MLflow's (snake_case), so the
 * objects are the JSON the server speaks.
 */

/** A run's lifecycle state (`RunStatus` in service.proto). */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** All run states, in MLflow's enum order (RUNNING=1 … KILLED=5). */
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** Which runs/experiments a search returns (`ViewType`). */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Lifecycle stage of an experiment or run. */
export type LifecycleStage = 'active' | 'deleted';

/** One metric point. `value` may be NaN or ±Infinity (encoded on the wire as MLflow expects). */
export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  step: number;
}

/** A run parameter (immutable once logged). */
export interface Param {
  key: string;
  value: string;
}

/** A run or experiment tag. */
export interface RunTag {
  key: string;
  value: string;
}

/** An MLflow experiment (`Experiment` message). */
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  last_update_time?: number;
  creation_time?: number;
  tags: RunTag[];
}

/** Metadata of a run (`RunInfo`). */
export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number | null;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

/** Logged data of a run (`RunData`): the latest value of each metric, params and tags. */
export interface RunData {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/** A run (`Run`). */
export interface MlflowRun {
  info: RunInfo;
  data: RunData;
}

/** A page of search results and the token of the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Options of a run search (`runs/search`). */
export interface SearchRunsOptions {
  /** Experiments to search (at least one). */
  experimentIds: string[];
  /** MLflow search filter, e.g. `params.lr = '0.01' and metrics.loss < 0.5`. */
  filter?: string;
  runViewType?: ViewType;
  /** Page size (MLflow's default 1000, at most 50000). */
  maxResults?: number;
  /** e.g. `['attributes.start_time DESC', 'metrics.loss ASC']`. */
  orderBy?: string[];
  pageToken?: string;
}

/** Options of an experiment search (`experiments/search`). */
export interface SearchExperimentsOptions {
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Arguments of run creation (`runs/create`). */
export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  /** Milliseconds since the epoch; defaults to now (MLflow stores 0 when it is omitted). */
  startTime?: number;
  tags?: RunTag[];
  userId?: string;
}

/** Arguments of run update (`runs/update`). */
export interface UpdateRunOptions {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/** One entry of an artifact listing. */
export interface FileInfo {
  /** Path relative to the run's artifact root. */
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** A registered model (`RegisteredModel` in model_registry.proto). */
export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: RunTag[];
  aliases?: { alias: string; version: string }[];
}

/** A model version (`ModelVersion` in model_registry.proto). */
export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: RunTag[];
  aliases?: string[];
}
