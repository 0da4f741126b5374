import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** The `fetch` signature the XNAT client uses (Node's global `fetch` by default). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** TLS settings for an XNAT server with a private CA, client certificates, or (testing only) no verification. */
export interface XnatTlsOptions {
  /** PEM CA bundle to trust. */
  ca?: string | Buffer;
  /** PEM client certificate. */
  cert?: string | Buffer;
  /** PEM client key. */
  key?: string | Buffer;
  /** `false` skips certificate verification (XNAT's `verify=False`): testing only. */
  rejectUnauthorized?: boolean;
}

/**
 * A `fetch` over Node's `http`/`https` modules with custom TLS settings (Node's global fetch takes
 * none). Request bodies: strings, bytes or URLSearchParams; response bodies are streamed.
 */
export function createXnatTlsFetch(tls: XnatTlsOptions): FetchLike {
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
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const out: Record<string, string> = {};
    headers.forEach((v, k) => (out[k] = v));
    let payload: Buffer | undefined;
    const body = init.body;
    if (typeof body === 'string') payload = Buffer.from(body, 'utf8');
    else if (body instanceof URLSearchParams) payload = Buffer.from(body.toString(), 'utf8');
    else if (body instanceof ArrayBuffer) payload = Buffer.from(body);
    else if (body && ArrayBuffer.isView(body))
      payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (payload) out['content-length'] = String(payload.length);
    const signal = init.signal ?? null;
    const mod = url.protocol === 'https:' ? https : http;
    return await new Promise<Response>((resolve, reject) => {
      const req = mod.request(
        url,
        { method, headers: out, agent: url.protocol === 'https:' ? httpsAgent : httpAgent },
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
      req.end(payload);
    });
  };
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * The server's message from an XNAT error body: Tomcat's `<b>Message</b> …` line, else Restlet's
 * `<h3>…</h3>` (what xnatpy scrapes), else `<title>`, else the start of a plain-text body.
 */
export function xnatServerMessage(body: string): string | undefined {
  const tomcat = /<b>Message<\/b>\s*([^<]*)<\/p>/i.exec(body);
  if (tomcat && tomcat[1]!.trim()) return decodeEntities(tomcat[1]!.trim());
  const h3 = /<h3>([\s\S]*?)<\/h3>/i.exec(body);
  if (h3 && h3[1]!.trim()) return decodeEntities(h3[1]!.replace(/<[^>]*>/g, '').trim());
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body);
  if (title && title[1]!.trim()) return decodeEntities(title[1]!.trim());
  const text = body.trim();
  if (text === '' || text.startsWith('<')) return undefined;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
