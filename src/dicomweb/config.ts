import { ConfigError } from '../errors.js';
import { type FetchLike, createTlsFetch } from '../http/tls-fetch.js';

/**
 * How to reach a DICOMweb server (a PACS, a VNA, Orthanc): its base URL (the prefix of `/studies`),
 * credentials (Basic or a bearer token), TLS, timeouts, retries and concurrency.
 * Falls back to `DICOMWEB_URL`, `DICOMWEB_USER` / `DICOMWEB_PASS` and `DICOMWEB_TOKEN`.
 *
 * @example
 * const pacs = { url: 'https://pacs.example.org/dicom-web', token: process.env.PACS_TOKEN };
 */
export interface DicomwebConfig {
  /** Base URL, e.g. `http://127.0.0.1:8042/dicom-web` (Orthanc). Default `$DICOMWEB_URL`. */
  url?: string;
  /** Basic-auth user (with `password`). */
  user?: string;
  password?: string;
  /**
   * A bearer token, or a function giving one: called for every request (cache the token in it), and
   * after a 401 the request is sent once more with what it gives then (a refreshed token).
   */
  token?: string | (() => string | Promise<string>);
  /** Per-request time limit in ms: until the response headers, then between body chunks (default 60 000). */
  timeoutMs?: number;
  /** Retries on network errors, 5xx, 429 and truncated multipart bodies (default 3). Never on 4xx. */
  retries?: number;
  /** Base of the exponential backoff in ms (default 500; jitter; capped at 30 s). */
  retryDelayMs?: number;
  /** Requests in flight at most (default 4). */
  concurrency?: number;
  /** QIDO-RS page size when a search has no `limit` (default 500). */
  pageSize?: number;
  /** `false` skips TLS certificate verification (testing only). */
  verify?: boolean;
  /** PEM CA bundle (and client certificate / key) for servers with a private CA. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** A `fetch` to use instead of Node's (then `verify`, `ca`, `cert`, `key` must not be given). */
  fetch?: FetchLike;
  /** Show patient identifiers (PatientID, names, accession numbers) in error messages and logs (default false). */
  revealIdentifiers?: boolean;
  /** Environment to read `DICOMWEB_*` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Where retries and fallbacks are reported (default: nowhere). Never receives credentials or identifiers. */
  log?: (message: string) => void;
}

/** A validated configuration with defaults applied. */
export interface ResolvedDicomwebConfig {
  url: string;
  /** Produces the `Authorization` header value (undefined: no header). */
  authorization: (() => Promise<string | undefined>) | undefined;
  refreshable: boolean;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  concurrency: number;
  pageSize: number;
  fetch: FetchLike;
  revealIdentifiers: boolean;
  /** Where retries and fallbacks are reported. */
  log: (message: string) => void;
}

function int(v: unknown, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ConfigError(
      `DICOMweb configuration: ${name} must be an integer ≥ ${min} (got ${JSON.stringify(v)})`,
    );
  return v;
}

/** Checks a {@link DicomwebConfig} and applies defaults and the `DICOMWEB_*` environment. */
export function resolveDicomwebConfig(config: DicomwebConfig = {}): ResolvedDicomwebConfig {
  if (config === null || typeof config !== 'object')
    throw new ConfigError(
      'DICOMweb configuration must be an object { url, user, password } or { url, token }',
    );
  const env = config.env ?? process.env;
  const raw = config.url ?? env.DICOMWEB_URL;
  if (!raw)
    throw new ConfigError(
      'DICOMweb configuration has no url: pass { url: "https://pacs.example.org/dicom-web" } or set DICOMWEB_URL',
    );
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(
      `DICOMweb url ${JSON.stringify(raw)} is not a URL (expected http(s)://host[:port]/prefix)`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ConfigError(`DICOMweb url must be http or https (got ${u.protocol})`);
  let user = config.user;
  let password = config.password;
  if (u.username) {
    user ??= decodeURIComponent(u.username);
    password ??= decodeURIComponent(u.password);
    u.username = '';
    u.password = '';
  }
  const token = config.token ?? (user === undefined ? env.DICOMWEB_TOKEN : undefined);
  if (user === undefined && token === undefined && env.DICOMWEB_USER !== undefined) {
    user = env.DICOMWEB_USER;
    password ??= env.DICOMWEB_PASS;
  }
  if (user !== undefined && token !== undefined)
    throw new ConfigError('DICOMweb configuration has both user/password and token: give one of them');
  if (user !== undefined && password === undefined)
    throw new ConfigError(`DICOMweb configuration has user '${user}' but no password (or DICOMWEB_PASS)`);
  const tls =
    config.verify !== undefined ||
    config.ca !== undefined ||
    config.cert !== undefined ||
    config.key !== undefined;
  if (config.fetch && tls)
    throw new ConfigError(
      'DICOMweb configuration: give either fetch or TLS options (verify, ca, cert, key), not both',
    );
  let authorization: ResolvedDicomwebConfig['authorization'];
  if (user !== undefined) {
    const basic = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    authorization = async () => basic;
  } else if (typeof token === 'function') authorization = async () => `Bearer ${await token()}`;
  else if (typeof token === 'string') authorization = async () => `Bearer ${token}`;
  const fetchFn: FetchLike =
    config.fetch ??
    (tls
      ? createTlsFetch({
          ...(config.ca !== undefined && { ca: config.ca }),
          ...(config.cert !== undefined && { cert: config.cert }),
          ...(config.key !== undefined && { key: config.key }),
          rejectUnauthorized: config.verify ?? true,
        })
      : (input, init) => fetch(input, init));
  return {
    url: u.toString().replace(/\/+$/, ''),
    authorization,
    refreshable: typeof token === 'function',
    timeoutMs: int(config.timeoutMs, 'timeoutMs', 60_000, 1),
    retries: int(config.retries, 'retries', 3, 0),
    retryDelayMs: int(config.retryDelayMs, 'retryDelayMs', 500, 0),
    concurrency: int(config.concurrency, 'concurrency', 4, 1),
    pageSize: int(config.pageSize, 'pageSize', 500, 1),
    fetch: fetchFn,
    revealIdentifiers: config.revealIdentifiers === true,
    log: config.log ?? (() => undefined),
  };
}
