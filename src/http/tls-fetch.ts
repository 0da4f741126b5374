import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { ConfigError } from '../errors.js';

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
 * A `fetch` over Node's `https` module with custom TLS settings (Node's global fetch takes none).
 * `http:` URLs go through the same code without TLS. Streams request and response bodies.
 */
export function createTlsFetch(tls: TlsOptions): FetchLike {
  const agentOpts: https.AgentOptions = {
    keepAlive: true,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
  if (tls.ca !== undefined) agentOpts.ca = tls.ca;
  if (tls.cert !== undefined) agentOpts.cert = tls.cert;
  if (tls.key !== undefined) agentOpts.key = tls.key;
  const httpsAgent = new https.Agent(agentOpts);
  const httpAgent = new http.Agent({ keepAlive: true });
  return async (input, init = {}) => {
    const req0 = input instanceof Request ? input : undefined;
    const url = new URL(req0 ? req0.url : String(input));
    const method = init.method ?? req0?.method ?? 'GET';
    const headers = new Headers(init.headers ?? req0?.headers);
    const body = init.body ?? req0?.body ?? null;
    const signal = init.signal ?? req0?.signal ?? null;
    const mod = url.protocol === 'https:' ? https : http;
    const outHeaders: Record<string, string> = {};
    headers.forEach((v, k) => (outHeaders[k] = v));
    let payload: Readable | Buffer | undefined;
    if (body === null || body === undefined) payload = undefined;
    else if (typeof body === 'string') payload = Buffer.from(body, 'utf8');
    else if (body instanceof URLSearchParams) payload = Buffer.from(body.toString(), 'utf8');
    else if (body instanceof ArrayBuffer) payload = Buffer.from(body);
    else if (ArrayBuffer.isView(body)) payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    else if (body instanceof ReadableStream)
      payload = Readable.fromWeb(body as import('node:stream/web').ReadableStream);
    else if (body instanceof Blob) payload = Buffer.from(await body.arrayBuffer());
    else
      throw new ConfigError(
        'createTlsFetch: unsupported body type (use a string, bytes, Blob or ReadableStream)',
      );
    if (Buffer.isBuffer(payload) && !headers.has('content-length'))
      outHeaders['content-length'] = String(payload.byteLength);
    return await new Promise<Response>((resolve, reject) => {
      const req = mod.request(
        url,
        { method, headers: outHeaders, agent: url.protocol === 'https:' ? httpsAgent : httpAgent },
        (res) => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const x of v) h.append(k, x);
            else if (v !== undefined) h.set(k, v);
          }
          const status = res.statusCode ?? 0;
          const noBody = method === 'HEAD' || status === 204 || status === 304;
          if (noBody) res.resume();
          resolve(
            new Response(noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage ?? '',
              headers: h,
            }),
          );
        },
      );
      const onAbort = () =>
        req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      req.on('error', (e) => reject(new TypeError('fetch failed', { cause: e })));
      if (payload === undefined) req.end();
      else if (Buffer.isBuffer(payload)) req.end(payload);
      else payload.on('error', (e) => req.destroy(e)).pipe(req);
    });
  };
}
