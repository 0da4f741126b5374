/**
 * What every HTTP client of the package shares (XNAT, DICOMweb): backoff with jitter, an abortable
 * sleep, an idle timeout restarted per body chunk, and the classification of network failures.
 */
import { describeError } from '../errors.js';

/**
 * Thrown by a response consumer to have the request retried (a corrupt or truncated download).
 * Not exported from the barrels.
 */
export class TransientError extends Error {}

/** The reason an {@link idleTimeout} aborted a request. */
export class TimeoutError extends Error {}

/** Waits `ms`; rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((ok, fail) => {
    if (signal?.aborted) return fail(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      ok();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `AbortSignal.any` (Node ≥ 20.3), with a fallback for older Node 20 releases. */
export function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any([a, b]);
  const c = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) c.abort(s.reason);
    else s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

/**
 * Delay before retry `attempt + 1`: exponential from `baseMs` (capped at 30 s) with jitter in
 * [base/2, base), or the server's `Retry-After` when that is longer.
 */
export function backoffDelay(attempt: number, baseMs: number, retryAfterMs = 0): number {
  const base = Math.min(30_000, baseMs * 2 ** attempt);
  return Math.max(retryAfterMs, base / 2 + (Math.random() * base) / 2);
}

/** A response's `Retry-After` (seconds) in ms, capped at 60 s; 0 when absent. */
export function retryAfterMs(res: Response): number {
  const ra = Number(res.headers.get('retry-after'));
  return Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 60_000) : 0;
}

/**
 * An idle timeout on `ac`: `touch()` (re)starts it (call it per body chunk), `touch(true)` stops it.
 * On expiry `ac` aborts with a {@link TimeoutError}.
 */
export function idleTimeout(ac: AbortController, timeoutMs: number): (stop?: boolean) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touch = (stop = false) => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stop) return;
    timer = setTimeout(() => ac.abort(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  };
  touch();
  return touch;
}

const TLS_CODES =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/** The OpenSSL/Node code of a TLS certificate failure (of `e` or its cause), or undefined. */
export function tlsCertificateCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown } })?.cause;
  const code = cause?.code ?? (e as { code?: unknown })?.code;
  return typeof code === 'string' && TLS_CODES.test(code) ? code : undefined;
}

/**
 * A TLS certificate problem (not worth retrying) as an actionable sentence naming the host and
 * what to pass; undefined for any other error.
 */
export function tlsProblem(e: unknown, url: string): string | undefined {
  const code = tlsCertificateCode(e);
  if (!code) return undefined;
  const cause = (e as { cause?: { message?: string } })?.cause;
  return (
    `cannot verify the TLS certificate of ${new URL(url).host} (${code}${cause?.message ? `: ${cause.message}` : ''}); ` +
    "pass the server's CA bundle as { ca } (PEM), or { verify: false } for a test server"
  );
}

/** A network failure described with its cause and code (`fetch failed: connect ECONNREFUSED …`). */
export function networkReason(e: unknown): string {
  const cause = (e as { cause?: unknown })?.cause;
  const code = (cause as { code?: string })?.code ?? (e as { code?: string })?.code;
  const msg = describeError(e);
  const cmsg = cause instanceof Error ? cause.message : undefined;
  return [msg, cmsg && cmsg !== msg ? cmsg : undefined, code].filter(Boolean).join(': ');
}
