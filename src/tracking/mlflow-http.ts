import { MlflowError, describeError } from '../errors.js';
import { authorizationHeader, retryFromEnv, timeoutFromEnv } from './env.js';
import type { MlflowAuth, RetryOptions, TrackingEnv } from './env.js';

export type { FetchLike } from '../http/tls-fetch.js';
import type { FetchLike } from '../http/tls-fetch.js';
import { tlsCertificateCode } from '../http/retry.js';

/** HTTP statuses retried with backoff (MLflow's list). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Options shared by everything that talks HTTP to the tracking server. */
export interface HttpOptions {
  /** HTTP client; defaults to Node's global `fetch`. Use it for TLS settings, proxies or tests. */
  fetch?: FetchLike;
  /** Credentials; `null` disables auth. Defaults to {@link authFromEnv}. */
  auth?: MlflowAuth | null;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Retry policy; defaults from `MLFLOW_HTTP_REQUEST_*`. */
  retry?: RetryOptions;
  /** Per-attempt timeout in ms (default `MLFLOW_HTTP_REQUEST_TIMEOUT`, 120 s). */
  timeoutMs?: number;
  /** Sleep used between retries (tests inject a fast one). */
  sleep?: (ms: number) => Promise<void>;
  /** Environment to read settings from (default `process.env`). */
  env?: TrackingEnv;
  /** The variables a network or certificate error's hint names (default: the tracking server's). */
  settings?: EndpointSettings;
}

/** The settings that point a client at one server, as error hints name them. */
export interface EndpointSettings {
  /** The variable holding the server URL: `MLFLOW_TRACKING_URI`, `MLFLOW_S3_ENDPOINT_URL`. */
  urlVariable: string;
  /** The variable holding its CA certificate file: `MLFLOW_TRACKING_SERVER_CERT_PATH`, `AWS_CA_BUNDLE`. */
  caVariable: string;
}

const TRACKING_SETTINGS: EndpointSettings = {
  urlVariable: 'MLFLOW_TRACKING_URI',
  caVariable: 'MLFLOW_TRACKING_SERVER_CERT_PATH',
};

/** True when a fetch failure is the server's TLS certificate not being trusted (retrying will not help). */
function isCertificateError(e: unknown): boolean {
  const cause = e instanceof Error ? e.cause : undefined;
  return tlsCertificateCode(e) !== undefined || /certificate/i.test(describeError(cause ?? e));
}

/** A request body (string, bytes, Blob, stream …). */
export type BodyLike = NonNullable<RequestInit['body']>;

/** One request. `body` is a factory so that a streamed body can be re-created for a retry. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  json?: unknown;
  /** Makes the body (called again for a retry, so a stream is re-created). */
  body?: () => BodyLike;
  headers?: Record<string, string>;
  /** Statuses that are not errors for this request (e.g. 404 on a probe). */
  okStatuses?: number[];
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Extracts a readable line from an HTML error page (`<title>`, else `<h1>`). */
export function htmlSummary(html: string): string {
  const pick = (re: RegExp) => re.exec(html)?.[1]?.replace(/\s+/g, ' ').trim();
  const text = pick(/<title[^>]*>([\s\S]*?)<\/title>/i) ?? pick(/<h1[^>]*>([\s\S]*?)<\/h1>/i) ?? '';
  const server = pick(/<center>\s*((?:nginx|openresty|Apache|Microsoft-IIS|caddy)[^<]*)<\/center>/i);
  const t = text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');
  return server ? `${t} (${server})` : t;
}

function hintFor(status: number, hadAuth: boolean, html: boolean): string {
  switch (status) {
    case 401:
      return hadAuth
        ? 'the credentials were rejected: check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN'
        : 'authentication required: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (Basic) or MLFLOW_TRACKING_TOKEN (Bearer)';
    case 403:
      return 'permission denied for this user on this resource';
    case 404:
      return html
        ? 'unknown endpoint: is MLFLOW_TRACKING_URI the MLflow (>= 2.0) server, with the right path prefix?'
        : 'not found';
    case 413:
      return 'request too large for the proxy in front of MLflow: raise nginx client_max_body_size (0 = unlimited) or upload smaller files';
    case 502:
    case 503:
    case 504:
      return 'the proxy could not get an answer from the MLflow server (down, restarting or too slow): check the mlflow service and the proxy timeouts';
    default:
      return '';
  }
}

/**
 * HTTP transport for the MLflow REST API and artifact proxy: auth header, JSON bodies, retries on
 * 408/429/5xx and network errors with bounded exponential backoff (honouring `Retry-After`),
 * per-attempt timeout, and {@link MlflowError}s that stay readable when a proxy answers in HTML.
 */
export class MlflowHttp {
  readonly fetch: FetchLike;
  private readonly authHeader: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly settings: EndpointSettings;

  constructor(options: Omit<HttpOptions, 'auth'> & { auth?: MlflowAuth | null | undefined } = {}) {
    const env = options.env ?? process.env;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.authHeader = options.auth ? authorizationHeader(options.auth) : undefined;
    this.headers = { 'User-Agent': 'csc-mlops-tracking', ...options.headers };
    this.retry = { ...retryFromEnv(env), ...stripUndefined(options.retry ?? {}) };
    this.timeoutMs = options.timeoutMs ?? timeoutFromEnv(env);
    this.sleep = options.sleep ?? sleepReal;
    this.settings = options.settings ?? TRACKING_SETTINGS;
  }

  /** Sends a request (with retries) and returns the response; throws {@link MlflowError} on failure. */
  async send(req: HttpRequest): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...req.headers };
    if (this.authHeader !== undefined) headers.Authorization = this.authHeader;
    let bodyFactory = req.body;
    if (req.json !== undefined) {
      const text = JSON.stringify(req.json);
      headers['Content-Type'] = 'application/json';
      bodyFactory = () => text;
    }
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        const body = bodyFactory?.();
        const init: RequestInit & { duplex?: 'half' } = {
          method: req.method,
          headers,
          signal: AbortSignal.timeout(this.timeoutMs),
        };
        if (body !== undefined) {
          init.body = body;
          if (typeof body === 'object' && body !== null && 'getReader' in body) init.duplex = 'half';
        }
        res = await this.fetch(req.url, init);
      } catch (e) {
        const cause = e instanceof Error && e.cause !== undefined ? describeError(e.cause) : describeError(e);
        if (isCertificateError(e)) {
          throw new MlflowError(
            `${req.method} ${req.url}: the server's TLS certificate is not trusted (${cause}); set ${this.settings.caVariable} to the file of the CA that signed it (PEM)`,
            'NETWORK_ERROR',
            0,
            { cause: e },
          );
        }
        if (attempt < this.retry.maxRetries) {
          await this.sleep(this.backoff(attempt + 1, null));
          continue;
        }
        const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        throw new MlflowError(
          `${req.method} ${req.url}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : `network error (${cause})`} after ${attempt + 1} attempt(s); is the server running and ${this.settings.urlVariable} right?`,
          timedOut ? 'DEADLINE_EXCEEDED' : 'NETWORK_ERROR',
          0,
          { cause: e },
        );
      }
      if (res.ok || req.okStatuses?.includes(res.status)) return res;
      if (RETRY_STATUSES.has(res.status) && attempt < this.retry.maxRetries) {
        await res.body?.cancel().catch(() => undefined);
        await this.sleep(this.backoff(attempt + 1, res.headers.get('retry-after')));
        continue;
      }
      throw await this.errorFrom(req, res, attempt + 1);
    }
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.send(req);
    const text = await res.text();
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      const what = /^\s*</.test(text) ? `an HTML page ("${htmlSummary(text)}")` : `"${text.slice(0, 120)}"`;
      throw new MlflowError(
        `${req.method} ${req.url}: expected JSON from the MLflow server but got ${what}; is MLFLOW_TRACKING_URI the MLflow server (not a login page or the UI)?`,
        'INVALID_RESPONSE',
        res.status,
      );
    }
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const { backoffMs, maxBackoffMs, jitterMs } = this.retry;
    let wait = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    if (retryAfter !== null) {
      const secs = Number(retryAfter);
      const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(retryAfter) - Date.now();
      if (Number.isFinite(ms) && ms > wait) wait = Math.min(maxBackoffMs, ms);
    }
    return wait + Math.random() * jitterMs;
  }

  private async errorFrom(req: HttpRequest, res: Response, attempts: number): Promise<MlflowError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      /* body unreadable: status only */
    }
    const where = `${req.method} ${req.url}`;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    try {
      const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof body.error_code === 'string') {
        const msg = typeof body.message === 'string' ? body.message : '';
        return new MlflowError(
          `${where}: ${body.error_code} (HTTP ${res.status}${tries}): ${msg}`,
          body.error_code,
          res.status,
        );
      }
    } catch {
      /* not JSON */
    }
    const s3 = /<Error>\s*<Code>([^<]*)<\/Code>\s*<Message>([^<]*)<\/Message>/.exec(text);
    if (s3) {
      return new MlflowError(
        `${where}: object store error ${s3[1]} (HTTP ${res.status}${tries}): ${s3[2]}`,
        s3[1] ?? 'S3_ERROR',
        res.status,
      );
    }
    const ctype = res.headers.get('content-type') ?? '';
    const isHtml = /html/i.test(ctype) || /^\s*<(!doctype|html)/i.test(text);
    const hint = hintFor(res.status, this.authHeader !== undefined, isHtml);
    const detail = isHtml
      ? `HTML page "${htmlSummary(text)}"`
      : text.trim()
        ? `"${text.trim().slice(0, 200)}"`
        : 'empty body';
    return new MlflowError(
      `${where}: HTTP ${res.status} ${res.statusText}${tries}, ${detail}${hint ? `; ${hint}` : ''}`,
      `HTTP_${res.status}`,
      res.status,
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
