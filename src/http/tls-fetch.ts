import { Agent } from 'undici';

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

/**
 * Node's global `fetch` with custom TLS settings, through an undici `Agent` as its dispatcher (undici 6, the
 * major Node 20's fetch bundles): redirects, keep-alive and streamed bodies behave as `fetch` always does.
 * A `ReadableStream` body is sent with `duplex: 'half'`, as `fetch` requires.
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
  const dispatcher = new Agent({ connect });
  return (input, init = {}) => {
    const streamed = init.body instanceof ReadableStream && !('duplex' in init);
    return fetch(input, { ...init, ...(streamed ? { duplex: 'half' } : {}), dispatcher } as RequestInit);
  };
}
