import { MLFLOW_LIMITS } from './limits.js';
import { encodeMetricValue } from './metric-value.js';
import type { Metric, Param, RunTag } from './types.js';

/** One `runs/log-batch` request's worth of entities. */
export interface LogBatch {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/** Limits used by {@link chunkLogBatch}; defaults to the server's ({@link MLFLOW_LIMITS}). */
export interface BatchLimits {
  maxMetrics?: number;
  maxParams?: number;
  maxTags?: number;
  maxEntities?: number;
  /** JSON body budget in bytes (default 900 000: below MLflow's 1 MB with room for the envelope). */
  maxBytes?: number;
}

/** The JSON form of a metric in a log-batch body. */
export function metricToJson(m: Metric): {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
} {
  return { key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step };
}

/** JSON size of a metric entry, computed without serialising it (keys need no JSON escaping). */
function metricBytes(m: Metric): number {
  const v = metricToJson(m).value;
  const value = typeof v === 'string' ? v.length + 2 : String(v).length;
  return Buffer.byteLength(m.key, 'utf8') + value + String(m.timestamp).length + String(m.step).length + 44;
}

function bytesOf(o: unknown): number {
  return Buffer.byteLength(JSON.stringify(o), 'utf8') + 1;
}

/**
 * Splits metrics, params and tags into log-batch requests that each respect the server's limits:
 * ≤1000 metrics, ≤100 params, ≤100 tags, ≤1000 entities and a body under 1 MB. Like the Python client,
 * params and tags go first and each request is topped up with metrics; order within each kind is kept.
 */
export function chunkLogBatch(batch: Partial<LogBatch>, limits: BatchLimits = {}): LogBatch[] {
  const maxMetrics = limits.maxMetrics ?? MLFLOW_LIMITS.maxMetricsPerBatch;
  const maxParams = limits.maxParams ?? MLFLOW_LIMITS.maxParamsPerBatch;
  const maxTags = limits.maxTags ?? MLFLOW_LIMITS.maxTagsPerBatch;
  const maxEntities = limits.maxEntities ?? MLFLOW_LIMITS.maxEntitiesPerBatch;
  const maxBytes = limits.maxBytes ?? 900_000;
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const out: LogBatch[] = [];
  let cur: LogBatch = { metrics: [], params: [], tags: [] };
  let bytes = 64;
  const count = () => cur.metrics.length + cur.params.length + cur.tags.length;
  const close = () => {
    if (count() > 0) out.push(cur);
    cur = { metrics: [], params: [], tags: [] };
    bytes = 64;
  };
  const add = <K extends keyof LogBatch>(kind: K, item: LogBatch[K][number], size: number, max: number) => {
    if (cur[kind].length >= max || count() >= maxEntities || (bytes + size > maxBytes && count() > 0))
      close();
    (cur[kind] as LogBatch[K][number][]).push(item);
    bytes += size;
  };
  for (const p of params) add('params', p, bytesOf(p), maxParams);
  for (const t of tags) add('tags', t, bytesOf(t), maxTags);
  for (const m of metrics) add('metrics', m, metricBytes(m), maxMetrics);
  close();
  return out;
}
