import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseConfigParserText } from './config.js';

/** Environment variables read by the tracking code (a subset of MLflow's, same meaning). */
export type TrackingEnv = Readonly<Record<string, string | undefined>>;

/** Credentials for the tracking server (or its nginx proxy). */
export type MlflowAuth = { username: string; password: string } | { token: string };

/** Retry policy for HTTP requests; defaults follow MLflow's `MLFLOW_HTTP_REQUEST_*` settings. */
export interface RetryOptions {
  /** Retries after the first attempt (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, default 5). */
  maxRetries?: number;
  /** Backoff base in ms: waits base·2^(attempt−1) (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` s, default 2 s). */
  backoffMs?: number;
  /** Upper bound of one wait in ms (default 60 000, also caps `Retry-After`). */
  maxBackoffMs?: number;
  /** Random extra wait up to this many ms (`MLFLOW_HTTP_REQUEST_BACKOFF_JITTER` s, default 1 s). */
  jitterMs?: number;
}

function num(env: TrackingEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(`${name}=${JSON.stringify(v)} is not a non-negative number`);
  return n;
}

/** True for `1`, `true`, `yes`, `on` (any case). */
export function envFlag(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/** Retry settings from `MLFLOW_HTTP_REQUEST_MAX_RETRIES`, `…_BACKOFF_FACTOR`, `…_BACKOFF_JITTER`. */
export function retryFromEnv(env: TrackingEnv = process.env): Required<RetryOptions> {
  const factor = num(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR');
  const jitter = num(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER');
  return {
    maxRetries: num(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES') ?? 5,
    backoffMs: (factor ?? 2) * 1000,
    maxBackoffMs: 60_000,
    jitterMs: (jitter ?? 1) * 1000,
  };
}

/** Request timeout in ms from `MLFLOW_HTTP_REQUEST_TIMEOUT` (seconds, default 120). */
export function timeoutFromEnv(env: TrackingEnv = process.env): number {
  return (num(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT') ?? 120) * 1000;
}

/**
 * Credentials as the Python client finds them: `MLFLOW_TRACKING_USERNAME` + `MLFLOW_TRACKING_PASSWORD`
 * (Basic), else `MLFLOW_TRACKING_TOKEN` (Bearer), else `~/.mlflow/credentials` section `[mlflow]`.
 */
export function authFromEnv(
  env: TrackingEnv = process.env,
  home: string = homedir(),
): MlflowAuth | undefined {
  const user = env.MLFLOW_TRACKING_USERNAME;
  const pass = env.MLFLOW_TRACKING_PASSWORD;
  if (user !== undefined && user !== '' && pass !== undefined) return { username: user, password: pass };
  if (user !== undefined && user !== '' && pass === undefined) {
    throw new ConfigError(
      'MLFLOW_TRACKING_USERNAME is set but MLFLOW_TRACKING_PASSWORD is not; set both for Basic auth',
    );
  }
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token !== undefined && token !== '') return { token };
  let text: string;
  try {
    text = readFileSync(join(home, '.mlflow', 'credentials'), 'utf8');
  } catch {
    return undefined;
  }
  let section: Record<string, string> | undefined;
  try {
    section = parseConfigParserText(text, '~/.mlflow/credentials').mlflow;
  } catch {
    return undefined;
  }
  const u = section?.mlflow_tracking_username;
  const p = section?.mlflow_tracking_password;
  if (typeof u === 'string' && typeof p === 'string') return { username: u, password: p };
  return undefined;
}

/** The `Authorization` header value for some credentials. */
export function authorizationHeader(auth: MlflowAuth): string {
  if ('token' in auth) return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

/** The user name MLflow records (`mlflow.user`): `MLFLOW_TRACKING_USERNAME`, else the OS user. */
export function defaultUser(env: TrackingEnv = process.env): string {
  if (env.MLFLOW_TRACKING_USERNAME) return env.MLFLOW_TRACKING_USERNAME;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}
