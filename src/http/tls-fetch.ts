import { createRequire } from 'node:module';
import type { Agent } from 'undici';

/** A `fetch`-compatible function (Node's global `fetch` is one). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** TLS settings for a server with a private CA or client certificates (XNAT, MLflow, S3/MinIO). */
export interface TlsOptions {
  /** PEM CA bundle to trust. */
  ca?: string | Buffer;
  /** PEM client certificate (a file with certificate and key works for both). */
  cert?: string | Buffer;
  /** PEM client key. */
  key?: string | Buffer;
  /** `false` skips certificate verification: testing only. */
  rejectUnauthorized?: boolean;
}

const require = createRequire(import.meta.url);

/**
 * undici's `Agent`, loaded only once Node's own fetch is set up. Loading the undici package installs an
 * `Agent` of its own as the process-wide dispatcher when none is there yet, which would move every
 * `fetch` of the process (not only ours) onto the package's HTTP client; touching one of Node's fetch
 * classes first makes Node install its own dispatcher, so the package's import leaves it alone.
 */
function undiciAgent(): typeof Agent {
  void globalThis.Response;
  return (require('undici') as typeof import('undici')).Agent;
}

/**
 * Node's global `fetch` with custom TLS settings, through an undici `Agent` as its dispatcher: redirects,
 * keep-alive (idle sockets do not hold the process open) and streamed bodies behave as `fetch` always
 * does. A `ReadableStream` request body is sent with `duplex: 'half'`, as `fetch` requires.
 *
 * undici is pinned to 6.25.0: the major Node 20's fetch bundles (an 8.x `Agent` fails with it), and the
 * last 6.x before 6.26.0's socket-end handling, which throws an uncatchable `assert(!this.paused)` when a
 * server closes a `Connection: close` response while the reader is behind (nodejs/undici#5360, fixed in
 * 8.x only).
 *
 * @example
 * const fetch = createTlsFetch({ ca: readFileSync('ca.pem') });
 * const r = await fetch('https://xnat.hospital.local/data/projects');
 */
export function createTlsFetch(tls: TlsOptions): FetchLike {
  const connect: {
    rejectUnauthorized: boolean;
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
  } = { rejectUnauthorized: tls.rejectUnauthorized ?? true };
  if (tls.ca !== undefined) connect.ca = tls.ca;
  if (tls.cert !== undefined) connect.cert = tls.cert;
  if (tls.key !== undefined) connect.key = tls.key;
  const UndiciAgent = undiciAgent();
  const dispatcher = new UndiciAgent({ connect });
  return (input, init = {}) => {
    const body = init.body ?? (input instanceof Request ? input.body : null);
    const streamed = body instanceof ReadableStream && !('duplex' in init);
    return fetch(input, { ...init, ...(streamed ? { duplex: 'half' } : {}), dispatcher } as RequestInit);
  };
}
