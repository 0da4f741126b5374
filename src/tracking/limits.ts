import { MlflowError } from '../errors.js';

/**
 * Limits an MLflow server enforces (`mlflow/utils/validation.py`). Counts are per `runs/log-batch`
 * request; lengths are in characters. Tag values: 5000 on MLflow 2.9, 8000 on 3.x.
 */
export const MLFLOW_LIMITS = {
  maxMetricsPerBatch: 1000,
  maxParamsPerBatch: 100,
  maxTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  /** `MAX_BATCH_LOG_REQUEST_SIZE`: a log-batch body must stay under 1 MB. */
  maxBatchBytes: 1_000_000,
  maxKeyLength: 250,
  maxParamValueLength: 6000,
  /** The largest run tag value any server takes (3.x); `tagValueLimit` gives a server's own. */
  maxTagValueLength: 8000,
  maxExperimentNameLength: 500,
} as const;

const KEY_CHARS = /^[/\p{L}\p{N}_.\- ]*$/u;

function invalid(message: string): MlflowError {
  return new MlflowError(message, 'INVALID_PARAMETER_VALUE', 0);
}

/** Normalises a POSIX path the way Python's `posixpath.normpath` does (for key checks). */
export function normPath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !abs) out.push(part);
  }
  const s = (abs ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

/**
 * Checks a metric, param or tag key as MLflow does: non-empty, at most 250 characters, only letters,
 * digits, `_ - . space /`, and not a path that resolves elsewhere (`a/../b`, `/a`, `./a`).
 * @throws MlflowError `INVALID_PARAMETER_VALUE`
 */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalid(`Invalid ${kind} name: ${JSON.stringify(key)}; a non-empty string is required`);
  }
  if (key.length > MLFLOW_LIMITS.maxKeyLength) {
    throw invalid(
      `${kind} name '${key.slice(0, 40)}…' has ${key.length} characters; MLflow allows at most ${MLFLOW_LIMITS.maxKeyLength}`,
    );
  }
  if (!KEY_CHARS.test(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  const norm = normPath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
}

/** Checks a param value: a string of at most 6000 characters. */
export function validateParamValue(key: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalid(`param '${key}': value must be a string, got ${typeof value}`);
  if (value.length > MLFLOW_LIMITS.maxParamValueLength) {
    throw invalid(
      `param '${key}' has a value of ${value.length} characters; MLflow allows at most ${MLFLOW_LIMITS.maxParamValueLength}. Log long values as an artifact instead.`,
    );
  }
}

/**
 * The run tag value limit of an MLflow server by its `GET /version`: 5000 characters on 2.x, 8000 on 3.x
 * and later. An unreadable version gets 5000, which every server takes.
 */
export function tagValueLimit(version: string): number {
  const major = Number(/^\s*(\d+)\./.exec(version)?.[1]);
  return Number.isFinite(major) && major >= 3 ? 8000 : 5000;
}

/** Checks a tag value: a string of at most `maxLength` characters (default {@link MLFLOW_LIMITS.maxTagValueLength}). */
export function validateTagValue(
  key: string,
  value: unknown,
  maxLength: number = MLFLOW_LIMITS.maxTagValueLength,
): asserts value is string {
  if (typeof value !== 'string') throw invalid(`tag '${key}': value must be a string, got ${typeof value}`);
  if (value.length > maxLength) {
    throw invalid(
      `tag '${key}' has a value of ${value.length} characters; this MLflow server allows at most ${maxLength}`,
    );
  }
}

/** Checks a metric point: numeric value (NaN/±Infinity allowed), integer step and timestamp. */
export function validateMetric(key: string, value: unknown, timestamp: unknown, step: unknown): void {
  validateKey('metric', key);
  if (typeof value !== 'number') {
    throw invalid(
      `metric '${key}': value must be a number, got ${typeof value} (convert tensors with dataSync()/await data())`,
    );
  }
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) {
    throw invalid(`metric '${key}': timestamp must be integer milliseconds, got ${String(timestamp)}`);
  }
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    throw invalid(`metric '${key}': step must be an integer, got ${String(step)}`);
  }
}

/** Converts a user value to the string MLflow stores for a param or tag. */
export function stringifyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value) || typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
