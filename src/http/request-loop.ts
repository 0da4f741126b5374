/**
 * The request/retry loop the package's HTTP clients share (XNAT, DICOMweb): one attempt at a time with
 * an idle timeout, retries of network errors, timeouts, transient errors and retryable answers with
 * backoff, TLS certificate problems at once, and each client's own errors and messages.
 */
import { CscMlopsError } from '../errors.js';
import {
  TimeoutError,
  TransientError,
  anySignal,
  backoffDelay,
  idleTimeout,
  networkReason,
  sleep,
  tlsProblem,
} from './retry.js';

/** What one attempt came to, short of a thrown error. */
export type AttemptResult<T> =
  /** The answer. */
  | { done: T }
  /** Send again at once, not counted as a retry (new credentials after a 401). */
  | { again: true }
  /**
   * A retryable answer (429, 5xx): the problem for the log line, the server's `Retry-After`, and the
   * error to throw (given the number of attempts made) when no retry is left.
   */
  | { retry: string; retryAfterMs: number; giveUp: (attempts: number) => Error };

/** What one attempt gets. */
export interface AttemptContext {
  /** The request's signal: the caller's and the idle timeout's. */
  signal: AbortSignal;
  /** Restarts the idle timeout (call it per body chunk); `touch(true)` stops it. */
  touch: (stop?: boolean) => void;
}

/** A client's retry settings (its resolved configuration has them). */
export interface RetryPolicy {
  retries: number;
  retryDelayMs: number;
  /** Idle timeout per attempt in ms: until the answer, then between body chunks. */
  timeoutMs: number;
  log: (message: string) => void;
}

/** How a client runs its requests through {@link requestLoop}. */
export interface RequestLoopOptions {
  /** The request's URL (TLS problems name its host). */
  url: string;
  /** How messages name the request: `XNAT GET https://…`. */
  label: string;
  policy: RetryPolicy;
  /** The caller's signal: an abort ends the loop with its reason (no retry). */
  signal?: AbortSignal | undefined;
  /** Counts the retries. */
  stats: { retries: number };
  /** Run before each attempt, outside its timeout; what it throws ends the loop. */
  before?: () => Promise<void>;
  /** The client's own errors that are retried like a {@link TransientError} (others end the loop). */
  transient?: (e: unknown) => boolean;
  /** The client's error (no HTTP status) for a TLS certificate problem or when the retries are used up. */
  fail: (message: string, cause: unknown) => Error;
}

/**
 * Runs `attempt` until it is done, retrying as {@link RequestLoopOptions} say: network errors,
 * timeouts, {@link TransientError}s and retryable answers with exponential backoff and jitter (or the
 * server's `Retry-After`), each retry logged. A {@link CscMlopsError} thrown by `attempt` ends the loop.
 */
export async function requestLoop<T>(
  o: RequestLoopOptions,
  attempt: (ctx: AttemptContext) => Promise<AttemptResult<T>>,
): Promise<T> {
  const { retries, retryDelayMs, timeoutMs, log } = o.policy;
  let lastProblem = '';
  for (let n = 0; ;) {
    await o.before?.();
    const ac = new AbortController();
    const touch = idleTimeout(ac, timeoutMs);
    const signal = o.signal ? anySignal(o.signal, ac.signal) : ac.signal;
    let wait = 0;
    try {
      const r = await attempt({ signal, touch });
      if ('done' in r) return r.done;
      if ('again' in r) continue;
      if (n >= retries) throw r.giveUp(n + 1);
      lastProblem = r.retry;
      wait = r.retryAfterMs;
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      const transient = o.transient?.(e) === true;
      if (e instanceof CscMlopsError && !transient) throw e;
      const tls = tlsProblem(e, o.url);
      if (tls) throw o.fail(tls, e);
      const timedOut = ac.signal.aborted && ac.signal.reason instanceof TimeoutError;
      lastProblem = timedOut
        ? (ac.signal.reason as Error).message
        : e instanceof TransientError || transient
          ? (e as Error).message
          : networkReason(e);
      if (n >= retries) throw o.fail(`${o.label} failed after ${attempts(n + 1)}: ${lastProblem}`, e);
    } finally {
      touch(true);
    }
    const delay = backoffDelay(n, retryDelayMs, wait);
    n++;
    o.stats.retries++;
    log(`${o.label}: ${lastProblem}; retry ${n}/${retries} in ${Math.round(delay)} ms`);
    await sleep(delay, o.signal);
  }
}

/** `1 attempt`, `3 attempts`. */
export function attempts(n: number): string {
  return `${n} attempt${n > 1 ? 's' : ''}`;
}
