import { ConfigError } from '../errors.js';
import { type FetchLike, createXnatTlsFetch } from './http.js';
import { netrcCredentials, netrcPath } from './netrc.js';

/**
 * How to reach an XNAT server: the seed's `{ server, user, password, project }`, plus alias tokens,
 * `~/.netrc` and `XNAT_HOST` / `XNAT_USER` / `XNAT_PASS` fallbacks, timeouts, retries, concurrency
 * and TLS options.
 *
 * Credentials come from, in order: `alias`/`secret`, `user`/`password`, `XNAT_USER`/`XNAT_PASS`,
 * then the netrc entry for the server's host.
 */
export interface XnatConfig {
  /** Server URL, e.g. `https://xnat.example.org` (a bare host gets `https://`). Default: `$XNAT_HOST`. */
  server?: string;
  user?: string;
  password?: string;
  /** The project (ID or alias) datasets are built from. */
  project?: string;
  /** Alias-token credentials (`/data/services/tokens/issue`): used as Basic `alias:secret`. */
  alias?: string;
  secret?: string;
  /** Path of a netrc file (default `$NETRC` or `~/.netrc`); `false` skips netrc. */
  netrc?: string | false;
  /** Per-request time limit in ms: until the response headers, then between body chunks (default 60 000). */
  timeoutMs?: number;
  /** Retries on network errors, 5xx and 429 (default 3). Never on 4xx. */
  retries?: number;
  /** Base of the exponential backoff in ms (default 500; full jitter; capped at 30 s). */
  retryDelayMs?: number;
  /** Requests in flight at most (default 4). */
  concurrency?: number;
  /** `false` skips TLS certificate verification (testing only). */
  verify?: boolean;
  /** PEM CA bundle (and client certificate / key) for servers with a private CA. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** A `fetch` to use instead of Node's (TLS options are then ignored). */
  fetch?: FetchLike;
  /** Keep the session alive with a heartbeat while it is open (default true). */
  keepAlive?: boolean;
  /** User-Agent (default `csc-mlops/<version> node`; never a browser's, which XNAT redirects to its login page). */
  userAgent?: string;
  /** Environment to read `XNAT_*` and `NETRC` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Where retries and re-logins are reported (default: nowhere). Never receives credentials. */
  log?: (message: string) => void;
}

/** A validated configuration with defaults applied (credentials kept by the session only). */
export interface ResolvedXnatConfig {
  /** Origin plus path prefix, without a trailing slash. */
  server: string;
  user: string;
  password: string;
  project: string | undefined;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  concurrency: number;
  keepAlive: boolean;
  userAgent: string;
  fetch: FetchLike;
  /** Where retries and re-logins are reported. */
  log: (message: string) => void;
}

/** The user agent sent to XNAT. */
export const XNAT_USER_AGENT = 'csc-mlops/0.1 node';

function positiveInt(v: unknown, name: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ConfigError(
      `XNAT configuration: ${name} must be an integer ≥ ${min} (got ${JSON.stringify(v)})`,
    );
  return v;
}

/** Normalises a server URL and splits off credentials written into it (`https://u:p@host`). */
export function parseServerUrl(server: string): {
  url: URL;
  user: string | undefined;
  password: string | undefined;
} {
  const s = server.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`);
  } catch {
    throw new ConfigError(
      `XNAT configuration: server ${JSON.stringify(server.replace(/\/\/[^@/]*@/, '//***@'))} is not a valid URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`XNAT configuration: server must be an http(s) URL (got ${url.protocol})`);
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return { url, user, password };
}

/** Validates a configuration, applies defaults and finds the credentials (env, netrc). */
export async function resolveXnatConfig(config: XnatConfig = {}): Promise<ResolvedXnatConfig> {
  if (config === null || typeof config !== 'object')
    throw new ConfigError('XNAT configuration must be an object { server, user, password, project }');
  const env = config.env ?? process.env;
  const serverText = config.server ?? env.XNAT_HOST;
  if (!serverText)
    throw new ConfigError(
      'XNAT configuration: no server given; pass { server: "https://xnat.example.org" } or set XNAT_HOST',
    );
  const { url, user: urlUser, password: urlPass } = parseServerUrl(serverText);
  let user: string | undefined;
  let password: string | undefined;
  if (config.alias !== undefined || config.secret !== undefined) {
    if (!config.alias || !config.secret)
      throw new ConfigError('XNAT configuration: alias-token credentials need both `alias` and `secret`');
    user = config.alias;
    password = config.secret;
  } else {
    user = config.user ?? urlUser ?? env.XNAT_USER;
    password = config.password ?? urlPass ?? env.XNAT_PASS;
  }
  if ((user === undefined || password === undefined) && config.netrc !== false) {
    const path = typeof config.netrc === 'string' ? config.netrc : netrcPath(env);
    const entry = await netrcCredentials(url.hostname, url.port, path);
    if (entry && (user === undefined || entry.login === user)) {
      user ??= entry.login;
      password ??= entry.password;
    }
  }
  if (!user || password === undefined)
    throw new ConfigError(
      `XNAT configuration: no credentials for ${url.host}; pass { user, password } (or { alias, secret }), ` +
        `set XNAT_USER and XNAT_PASS, or add "machine ${url.hostname} login USER password PASS" to ~/.netrc`,
    );
  let fetchFn = config.fetch;
  if (fetchFn !== undefined && typeof fetchFn !== 'function')
    throw new ConfigError('XNAT configuration: fetch must be a function');
  if (!fetchFn) {
    if (
      config.verify === false ||
      config.ca !== undefined ||
      config.cert !== undefined ||
      config.key !== undefined
    ) {
      const tls: Parameters<typeof createXnatTlsFetch>[0] = { rejectUnauthorized: config.verify !== false };
      if (config.ca !== undefined) tls.ca = config.ca;
      if (config.cert !== undefined) tls.cert = config.cert;
      if (config.key !== undefined) tls.key = config.key;
      fetchFn = createXnatTlsFetch(tls);
    } else fetchFn = globalThis.fetch.bind(globalThis);
  }
  const userAgent = config.userAgent ?? XNAT_USER_AGENT;
  if (/MSIE|Mozilla|AppleWebKit|Opera/.test(userAgent))
    throw new ConfigError(
      'XNAT configuration: userAgent must not look like a browser (XNAT would answer with its login page instead of 401)',
    );
  return {
    server: url.toString().replace(/\/+$/, ''),
    user,
    password,
    project: config.project,
    timeoutMs: positiveInt(config.timeoutMs, 'timeoutMs', 60_000),
    retries: positiveInt(config.retries, 'retries', 3, 0),
    retryDelayMs: positiveInt(config.retryDelayMs, 'retryDelayMs', 500, 0),
    concurrency: positiveInt(config.concurrency, 'concurrency', 4),
    keepAlive: config.keepAlive ?? true,
    userAgent,
    fetch: fetchFn,
    log: config.log ?? (() => undefined),
  };
}
