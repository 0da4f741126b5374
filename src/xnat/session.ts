import pLimit, { type LimitFunction } from 'p-limit';
import { CscMlopsError, XnatAuthError, XnatError, XnatNotFoundError } from '../errors.js';
import { type ResolvedXnatConfig, type XnatConfig, resolveXnatConfig } from './config.js';
import { attempts, requestLoop } from '../http/request-loop.js';
import {
  TransientError,
  backoffDelay,
  networkReason,
  retryAfterMs,
  sleep,
  tlsProblem,
} from '../http/retry.js';
import { redactUriLabels } from '../patient-identifiers.js';
import { xnatServerMessage } from './http.js';

/** Options of one request made through an {@link XnatSession}. */
export interface XnatRequestOptions {
  /** Query parameters (`format=json` is added for JSON requests). */
  query?: Record<string, string | undefined>;
  /** HTTP method (default GET). */
  method?: string;
  /** Cancels the request (no retry after an abort). */
  signal?: AbortSignal;
  /** What is being fetched, for error messages: `project 'P'`, `scan 3 of experiment E`. */
  what?: string;
}

/** Counters of a session (requests sent, retries, logins). */
export interface XnatSessionStats {
  requests: number;
  retries: number;
  logins: number;
}

/**
 * Thrown by a response consumer to have the request retried (a corrupt or truncated download).
 * Not exported from the barrel.
 */
export { TransientError as XnatTransientError };

function cookieFrom(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const first = c.split(';')[0] ?? '';
    const i = first.indexOf('=');
    if (i > 0 && first.slice(0, i).trim() === name)
      return first
        .slice(i + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  return undefined;
}

/** A TLS certificate problem (not worth retrying), as an actionable XnatError; undefined otherwise. */
function tlsError(e: unknown, url: string): XnatError | undefined {
  const problem = tlsProblem(e, url);
  return problem === undefined ? undefined : new XnatError(problem, 0, url, undefined, { cause: e });
}

interface SharedEntry {
  holders: number;
  opening: Promise<XnatSession> | undefined;
  session: XnatSession | undefined;
}

/** Sessions shared per (server, user), see `XnatSession.acquire`. */
const SHARED = new Map<string, SharedEntry>();

/**
 * One logged-in XNAT session, shared by everything that talks to the server: logs in once
 * (`POST /data/JSESSION`), sends the JSESSIONID cookie (never the password) on every request, keeps the
 * session alive with a heartbeat (an unref'd timer), logs in again once when the server answers
 * 401, bounds requests in flight (p-limit), retries network errors, 5xx and 429 with exponential
 * backoff and jitter, applies a per-request timeout, and logs out on {@link close}.
 *
 * Errors are {@link XnatError}s carrying the status, the URL and the server's message;
 * credentials never appear in them.
 *
 * @example
 * const session = await XnatSession.connect({ server: 'https://xnat.example.org', user, password });
 * const project = await session.project('MY_PROJECT');
 * await session.close();
 */
export class XnatSession {
  /** Server base URL (no credentials, no trailing slash). */
  readonly server: string;
  readonly user: string;
  /** Default project of the configuration, if any. */
  readonly project: string | undefined;
  readonly stats: XnatSessionStats = { requests: 0, retries: 0, logins: 0 };
  readonly #cfg: Omit<ResolvedXnatConfig, 'password'>;
  readonly #password: string;
  readonly #limit: LimitFunction;
  readonly #cache = new Map<string, Promise<unknown>>();
  #jsession: string | undefined;
  #generation = 0;
  #loginPromise: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #heartbeatMs = 0;
  #closed = false;
  #sharedKey: string | undefined;

  private constructor(cfg: ResolvedXnatConfig) {
    const { password, ...rest } = cfg;
    this.#cfg = rest;
    this.#password = password;
    this.server = cfg.server;
    this.user = cfg.user;
    this.project = cfg.project;
    this.#limit = pLimit(cfg.concurrency);
  }

  /** Resolves the configuration (env, netrc), logs in and returns the session. */
  static async connect(config: XnatConfig = {}): Promise<XnatSession> {
    const s = new XnatSession(await resolveXnatConfig(config));
    await s.login();
    return s;
  }

  /**
   * The session shared by every holder of the same (server, user) in this thread, opened on first
   * use and counted: each `acquire` needs one {@link release}; the last holder to release logs out.
   * `xnatBuildDataset` and `LoadImageXNATd` hold their sessions this way; a session opened with
   * {@link connect} and passed to them stays its owner's.
   *
   * @example
   * const s = await XnatSession.acquire(xnat);
   * try { await s.project('P'); } finally { await s.release(); }
   */
  static async acquire(config: XnatConfig = {}): Promise<XnatSession> {
    const cfg = await resolveXnatConfig(config);
    const key = `${cfg.server}\u0000${cfg.user}`;
    let entry = SHARED.get(key);
    if (!entry || entry.session?.closed) {
      const created: SharedEntry = { holders: 0, opening: undefined, session: undefined };
      created.opening = (async () => {
        const s = new XnatSession(cfg);
        await s.login();
        s.#sharedKey = key;
        created.session = s;
        return s;
      })();
      created.opening.catch(() => {
        if (SHARED.get(key) === created) SHARED.delete(key);
      });
      SHARED.set(key, created);
      entry = created;
    }
    entry.holders++;
    try {
      return await (entry.opening as Promise<XnatSession>);
    } catch (e) {
      entry.holders--;
      throw e;
    }
  }

  /**
   * Lets go of a session from {@link acquire}; the last holder logs out. Does nothing for a session
   * from {@link connect} (its owner closes it).
   */
  async release(): Promise<void> {
    const key = this.#sharedKey;
    if (key === undefined) return;
    const entry = SHARED.get(key);
    if (!entry || entry.session !== this) return; // closed directly and replaced
    entry.holders--;
    if (entry.holders > 0) return;
    SHARED.delete(key);
    await this.close();
  }

  /** Holders of shared sessions now, per `server user` (for tests and diagnostics). */
  static sharedHolders(): Map<string, number> {
    return new Map([...SHARED].map(([k, e]) => [k.replace('\u0000', ' '), e.holders]));
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Requests allowed in flight. */
  get concurrency(): number {
    return this.#cfg.concurrency;
  }

  /** Absolute URL of an XNAT path (`/data/...`) with a query. */
  url(path: string, query?: Record<string, string | undefined>): string {
    const p = path.startsWith('/') ? path : `/${path}`;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, v);
    const qs = q.toString().replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%3A/gi, ':');
    return `${this.server}${p}${qs ? `?${qs}` : ''}`;
  }

  /** GET a JSON document (`format=json` added). */
  async getJson<T = unknown>(path: string, opts: XnatRequestOptions = {}): Promise<T> {
    const o = { ...opts, query: { format: 'json', ...opts.query } };
    return this.request(path, o, async (res, url) => {
      const text = await res.text();
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new XnatError(
          `XNAT answered ${redactUriLabels(url)} with something that is not JSON (${res.headers.get('content-type') ?? 'no content type'}: ${text.slice(0, 120).replace(/\s+/g, ' ')}); is ${this.server} an XNAT server?`,
          res.status,
          url,
        );
      }
    });
  }

  /** GET a JSON document once per session (listings the object model reads). */
  cachedJson<T = unknown>(path: string, opts: XnatRequestOptions = {}): Promise<T> {
    const key = this.url(path, opts.query);
    let p = this.#cache.get(key) as Promise<T> | undefined;
    if (!p) {
      const { signal: _s, ...rest } = opts;
      p = this.getJson<T>(path, rest);
      this.#cache.set(key, p);
      p.catch(() => this.#cache.delete(key));
    }
    return p;
  }

  /** Forgets cached listings (after the archive changed). */
  clearCache(): void {
    this.#cache.clear();
  }

  /**
   * Sends a request with the session's retries, re-login, timeout and concurrency limit, and hands
   * the successful (2xx) response to `consume`. Network errors, timeouts and
   * `XnatTransientError`s thrown by `consume` are retried; other errors pass through.
   * `touch()` restarts the idle timeout (call it per body chunk); `touch(true)` stops it (body done).
   */
  async request<T>(
    path: string,
    opts: XnatRequestOptions,
    consume: (res: Response, url: string, touch: (stop?: boolean) => void) => Promise<T>,
  ): Promise<T> {
    if (this.#closed)
      throw new XnatError(
        `XNAT session for ${this.server} is closed; open a new one with XnatSession.connect()`,
        0,
        this.server,
      );
    return this.#limit(() => this.#attempts(path, opts, consume));
  }

  async #attempts<T>(
    path: string,
    opts: XnatRequestOptions,
    consume: (res: Response, url: string, touch: (stop?: boolean) => void) => Promise<T>,
  ): Promise<T> {
    const url = this.url(path, opts.query);
    const method = opts.method ?? 'GET';
    let reauthenticated = false;
    const shown = redactUriLabels(url);
    return requestLoop<T>(
      {
        url,
        label: `XNAT ${method} ${shown}`,
        policy: this.#cfg,
        signal: opts.signal,
        stats: this.stats,
        before: async () => {
          if (this.#jsession === undefined) await this.#relogin(this.#generation);
        },
        fail: (message, cause) => new XnatError(message, 0, url, undefined, { cause }),
      },
      async ({ signal, touch }) => {
        const gen = this.#generation;
        this.stats.requests++;
        const res = await this.#cfg.fetch(url, {
          method,
          headers: { 'User-Agent': this.#cfg.userAgent, Cookie: `JSESSIONID=${this.#jsession}` },
          signal,
          redirect: 'manual',
        });
        this.#noteCookies(res);
        if (res.status === 401) {
          await res.body?.cancel().catch(() => undefined);
          if (!reauthenticated) {
            reauthenticated = true;
            this.#cfg.log(`XNAT answered 401 to ${method} ${shown}: logging in again`);
            await this.#relogin(gen);
            return { again: true };
          }
          throw new XnatAuthError(
            `XNAT at ${this.server} still answers 401 Unauthorized to ${method} ${shown} after logging in again as '${this.user}'; the account may be locked or lack access`,
            401,
            url,
          );
        }
        if (res.status === 429 || res.status >= 500) {
          const body = await res.text().catch(() => '');
          const msg = xnatServerMessage(body);
          return {
            retry: `HTTP ${res.status}${msg ? ` (${msg})` : ''}`,
            retryAfterMs: retryAfterMs(res),
            giveUp: (n) =>
              new XnatError(
                `XNAT ${method} ${shown} failed with HTTP ${res.status}${msg ? `: ${msg}` : ''} (after ${attempts(n)})`,
                res.status,
                url,
                msg,
              ),
          };
        }
        if (res.status < 200 || res.status >= 300)
          throw await this.#httpError(res, url, shown, method, opts.what);
        return { done: await consume(res, url, touch) };
      },
    );
  }

  /** The typed error of a non-2xx answer; `shown` is `url` with its labels redacted, for the message. */
  async #httpError(
    res: Response,
    url: string,
    shown: string,
    method: string,
    what: string | undefined,
  ): Promise<XnatError> {
    const body = await res.text().catch(() => '');
    const msg = xnatServerMessage(body);
    const said = msg ? ` (server said: ${redactUriLabels(msg)})` : '';
    if (res.status === 404)
      return new XnatNotFoundError(
        `${what ? `XNAT ${what} not found` : `XNAT has nothing at ${shown}`} on ${this.server}${said}; check the name, or whether user '${this.user}' can read it`,
        404,
        url,
        msg,
      );
    if (res.status === 403)
      return new XnatAuthError(`XNAT user '${this.user}' may not ${method} ${shown}${said}`, 403, url, msg);
    if (res.status >= 300 && res.status < 400)
      return new XnatError(
        `XNAT redirected ${method} ${shown} to ${redactUriLabels(res.headers.get('location') ?? '?')} (HTTP ${res.status}); check the server URL (https, path prefix)`,
        res.status,
        url,
        msg,
      );
    return new XnatError(
      `XNAT ${method} ${shown} failed with HTTP ${res.status}${said}`,
      res.status,
      url,
      msg,
    );
  }

  #noteCookies(res: Response): void {
    const cookies = res.headers.getSetCookie?.() ?? [];
    if (cookies.length === 0) return;
    const id = cookieFrom(cookies, 'JSESSIONID');
    if (id && this.#jsession !== undefined && id !== this.#jsession) this.#jsession = id;
    const exp = cookieFrom(cookies, 'SESSION_EXPIRATION_TIME');
    if (exp) {
      const timeout = Number(exp.split(',')[1]);
      if (Number.isFinite(timeout) && timeout > 0) this.#scheduleHeartbeat(timeout);
    }
  }

  #scheduleHeartbeat(timeoutMs: number): void {
    if (!this.#cfg.keepAlive || this.#closed) return;
    const every = Math.max(500, timeoutMs / 2 - 20_000 > 0 ? timeoutMs / 2 - 20_000 : timeoutMs / 2);
    if (this.#timer && Math.abs(every - this.#heartbeatMs) < 1) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#heartbeatMs = every;
    this.#timer = setInterval(() => void this.#heartbeat(), every);
    this.#timer.unref();
  }

  async #heartbeat(): Promise<void> {
    if (this.#closed || this.#jsession === undefined || this.#loginPromise) return;
    try {
      const res = await this.#cfg.fetch(this.url('/data/JSESSION'), {
        headers: { 'User-Agent': this.#cfg.userAgent, Cookie: `JSESSIONID=${this.#jsession}` },
        signal: AbortSignal.timeout(this.#cfg.timeoutMs),
        redirect: 'manual',
      });
      await res.body?.cancel().catch(() => undefined);
      // A 401 here is dealt with by the next request (one re-login).
    } catch {
      // Network trouble: the next request retries.
    }
  }

  /** Logs in again unless another request already did since generation `gen`. */
  #relogin(gen: number): Promise<void> {
    if (this.#generation !== gen && this.#jsession !== undefined) return Promise.resolve();
    this.#loginPromise ??= this.login().finally(() => {
      this.#loginPromise = undefined;
    });
    return this.#loginPromise;
  }

  /**
   * Logs in (`POST /data/JSESSION` with Basic credentials; outside the concurrency limit). Network
   * errors and 5xx are retried; wrong credentials are not (no retry storm against XNAT's
   * failed-login lock-out).
   */
  async login(): Promise<void> {
    if (this.#closed) throw new XnatError(`XNAT session for ${this.server} is closed`, 0, this.server);
    const url = this.url('/data/JSESSION');
    const basic = `Basic ${Buffer.from(`${this.user}:${this.#password}`, 'utf8').toString('base64')}`;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      let status = 0;
      let cause: unknown;
      try {
        this.stats.requests++;
        const res = await this.#cfg.fetch(url, {
          method: 'POST',
          headers: { 'User-Agent': this.#cfg.userAgent, Authorization: basic },
          signal: AbortSignal.timeout(this.#cfg.timeoutMs),
          redirect: 'manual',
        });
        const body = await res.text();
        status = res.status;
        if (res.status === 401 || res.status === 403) {
          const msg = xnatServerMessage(body);
          throw new XnatAuthError(
            `XNAT at ${this.server} rejected the credentials of user '${this.user}' (HTTP ${res.status}${msg ? `: ${msg}` : ''}); check the user name and password (or alias token), XNAT_USER/XNAT_PASS or ~/.netrc`,
            res.status,
            url,
            msg,
          );
        }
        if (res.status >= 200 && res.status < 300) {
          const cookies = res.headers.getSetCookie?.() ?? [];
          const text = body.trim();
          const id = /^[A-Za-z0-9._-]{8,}$/.test(text) ? text : cookieFrom(cookies, 'JSESSIONID');
          if (!id)
            throw new XnatAuthError(
              `XNAT login at ${url} returned no session id (got ${res.headers.get('content-type') ?? 'no content type'}: ${text.slice(0, 80).replace(/\s+/g, ' ')}); is ${this.server} an XNAT server?`,
              res.status,
              url,
            );
          this.#jsession = id;
          this.#generation++;
          this.stats.logins++;
          this.#noteCookies(res);
          return;
        }
        const msg = xnatServerMessage(body);
        problem = `HTTP ${res.status}${msg ? ` (${msg})` : ''}`;
        if (res.status < 500 && res.status !== 429)
          throw new XnatError(
            `XNAT login at ${url} failed with ${problem}; check the server URL`,
            res.status,
            url,
            msg,
          );
      } catch (e) {
        if (e instanceof CscMlopsError) throw e;
        const tls = tlsError(e, url);
        if (tls) throw tls;
        problem = networkReason(e);
        cause = e;
      }
      if (attempt >= this.#cfg.retries)
        throw new XnatError(
          `XNAT login at ${url} failed after ${attempt + 1} attempt${attempt ? 's' : ''}: ${problem}`,
          status,
          url,
          undefined,
          { cause },
        );
      this.stats.retries++;
      const delay = backoffDelay(attempt, this.#cfg.retryDelayMs);
      this.#cfg.log(
        `XNAT login at ${url}: ${problem}; retry ${attempt + 1}/${this.#cfg.retries} in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  }

  /** Stops the heartbeat and logs out (`DELETE /data/JSESSION`); later requests fail. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#cache.clear();
    const id = this.#jsession;
    this.#jsession = undefined;
    if (id === undefined) return;
    try {
      const res = await this.#cfg.fetch(this.url('/data/JSESSION'), {
        method: 'DELETE',
        headers: { 'User-Agent': this.#cfg.userAgent, Cookie: `JSESSIONID=${id}` },
        signal: AbortSignal.timeout(Math.min(this.#cfg.timeoutMs, 10_000)),
        redirect: 'manual',
      });
      await res.body?.cancel().catch(() => undefined);
    } catch {
      // Logging out is best effort: the server expires the session anyway.
    }
  }

  /** Never prints credentials or the session id. */
  toJSON(): Record<string, unknown> {
    return { server: this.server, user: this.user, project: this.project, closed: this.#closed };
  }
}
