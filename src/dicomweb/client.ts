import pLimit, { type LimitFunction } from 'p-limit';
import { cacheKey } from '../download/entry-cache.js';
import { DicomwebAuthError, DicomwebError, DicomwebNotFoundError } from '../errors.js';
import { attempts, requestLoop } from '../http/request-loop.js';
import { TransientError, retryAfterMs } from '../http/retry.js';
import { type DicomwebConfig, type ResolvedDicomwebConfig, resolveDicomwebConfig } from './config.js';
import { type DicomJson, jsonString, jsonValues } from './dicom-json.js';
import { MultipartError, contentTypeParameter, multipartBody, parseMultipart } from './multipart.js';
import { type QidoQuery, qidoParams, redactIdentifiers } from './query.js';

/** Options of one request made through a {@link DicomwebClient}. */
interface RequestOptions {
  method?: string;
  params?: URLSearchParams;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal | undefined;
  what: string;
  /** Statuses ≥ 500 not worth retrying for this request (default none). */
  final?: readonly number[];
}

/** Options of a WADO-RS retrieval. */
export interface RetrieveOptions {
  /**
   * Transfer syntax asked for in `Accept` (default `'*'`: as stored, no transcoding; our reader decodes
   * all common syntaxes). A UID asks the server to transcode; if it answers 406 (cannot), the
   * client falls back to `'*'` and logs it.
   */
  transferSyntax?: string;
  /** Largest instance in bytes (default 1 GiB). */
  maxPartBytes?: number;
  signal?: AbortSignal;
}

/** What a STOW-RS upload stored and what the server refused. */
export interface StowResult {
  /** SOPInstanceUIDs stored. */
  stored: string[];
  /** SOPInstanceUIDs refused, with the server's failure reason code. */
  failed: { sopInstanceUid: string; reason: string }[];
}

/** Counters of a client (requests sent, retries, transfer-syntax fallbacks). */
export interface DicomwebClientStats {
  requests: number;
  retries: number;
  fallbacks: number;
}

function serverMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  try {
    const j = JSON.parse(text) as {
      Message?: unknown;
      Details?: unknown;
      message?: unknown;
      error?: unknown;
    };
    const m = [j.Message ?? j.message ?? j.error, j.Details].filter((x) => typeof x === 'string' && x !== '');
    if (m.length) return m.join(': ');
  } catch {
    // not JSON
  }
  if (text.startsWith('<')) {
    const t = /<title>([\s\S]*?)<\/title>/i.exec(text);
    return t?.[1]?.trim() || undefined;
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const APPLICATION_DICOM = 'application/dicom';

/**
 * A DICOMweb client (PS3.18): QIDO-RS searches (studies, series, instances; paged), WADO-RS
 * retrieval of instances as `multipart/related` streamed part by part, metadata, and STOW-RS upload.
 * Basic or bearer auth, an injectable `fetch` (custom TLS), requests in flight bounded (p-limit),
 * retries of network errors, 5xx, 429 and truncated bodies with exponential backoff and jitter,
 * an idle timeout per request. Errors are `DicomwebError`s with the status, the URL (patient
 * identifiers redacted unless `revealIdentifiers`) and the server's message; never credentials.
 *
 * @example
 * const pacs = new DicomwebClient({ url: 'http://127.0.0.1:8042/dicom-web', user, password });
 * const studies = await pacs.searchStudies({ PatientID: 'P001' });
 */
export class DicomwebClient {
  /** Base URL (no credentials, no trailing slash). */
  readonly url: string;
  readonly stats: DicomwebClientStats = { requests: 0, retries: 0, fallbacks: 0 };
  readonly #cfg: ResolvedDicomwebConfig;
  readonly #limit: LimitFunction;

  constructor(config: DicomwebConfig = {}) {
    this.#cfg = resolveDicomwebConfig(config);
    this.url = this.#cfg.url;
    this.#limit = pLimit(this.#cfg.concurrency);
  }

  /** Requests allowed in flight. */
  get concurrency(): number {
    return this.#cfg.concurrency;
  }

  /** A URL or text as it may be shown: identifying query values redacted unless revealed. */
  display(text: string): string {
    return this.#cfg.revealIdentifiers ? text : redactIdentifiers(text);
  }

  /** How a patient is named in messages: the PatientID if revealed, else a short hash of it. */
  patientLabel(patientId: string): string {
    return this.#cfg.revealIdentifiers
      ? `patient '${patientId}'`
      : `patient ${cacheKey(patientId).slice(0, 10)} (hashed PatientID; revealIdentifiers shows it)`;
  }

  #url(path: string, params?: URLSearchParams): string {
    const qs = params?.toString() ?? '';
    return `${this.url}${path.startsWith('/') ? path : `/${path}`}${qs ? `?${qs}` : ''}`;
  }

  /**
   * Sends a request with retries, timeout and the concurrency limit, and hands a 2xx response to
   * `consume`. Network errors, timeouts and `TransientError`s from `consume` are retried.
   */
  async #request<T>(
    path: string,
    opts: RequestOptions,
    consume: (res: Response, url: string, touch: (stop?: boolean) => void) => Promise<T>,
  ): Promise<T> {
    return this.#limit(async () => {
      const url = this.#url(path, opts.params);
      const shown = this.display(url);
      const method = opts.method ?? 'GET';
      let refreshed = false;
      return requestLoop<T>(
        {
          url,
          label: `DICOMweb ${method} ${shown}`,
          policy: this.#cfg,
          signal: opts.signal,
          stats: this.stats,
          transient: (e) => e instanceof MultipartError,
          fail: (message, cause) => new DicomwebError(message, 0, shown, undefined, { cause }),
        },
        async ({ signal, touch }) => {
          const headers: Record<string, string> = { 'User-Agent': 'csc-mlops/0.1 node', ...opts.headers };
          const auth = await this.#cfg.authorization?.();
          if (auth !== undefined) headers.Authorization = auth;
          this.stats.requests++;
          const init: RequestInit = { method, headers, signal, redirect: 'manual' };
          if (opts.body) init.body = opts.body;
          const res = await this.#cfg.fetch(url, init);
          if (res.status >= 200 && res.status < 300) return { done: await consume(res, url, touch) };
          const body = await res.text().catch(() => '');
          const msg = serverMessage(body);
          const said = msg ? ` (server said: ${this.display(msg)})` : '';
          if (res.status === 401 && this.#cfg.refreshable && !refreshed) {
            refreshed = true;
            this.#cfg.log(`DICOMweb answered 401 to ${method} ${shown}: asking for a new token`);
            return { again: true };
          }
          if (res.status === 401 || res.status === 403)
            throw new DicomwebAuthError(
              `DICOMweb server ${this.url} refused ${method} ${shown} with HTTP ${res.status}${said}; ` +
                (this.#cfg.authorization
                  ? 'check the user and password (or the token) and their access rights'
                  : 'it needs credentials: pass { user, password } or { token } (or DICOMWEB_USER/DICOMWEB_PASS, DICOMWEB_TOKEN)'),
              res.status,
              shown,
              msg,
            );
          if (res.status === 404)
            throw new DicomwebNotFoundError(
              `DICOMweb ${opts.what} not found at ${shown}${said}; check the UIDs and the base URL (${this.url})`,
              404,
              shown,
              msg,
            );
          if ((res.status !== 429 && res.status < 500) || opts.final?.includes(res.status))
            throw new DicomwebError(
              `DICOMweb ${method} ${shown} failed with HTTP ${res.status}${said}`,
              res.status,
              shown,
              msg,
            );
          return {
            retry: `HTTP ${res.status}${msg ? ` (${this.display(msg)})` : ''}`,
            retryAfterMs: retryAfterMs(res),
            giveUp: (n) =>
              new DicomwebError(
                `DICOMweb ${method} ${shown} failed with HTTP ${res.status}${said} (after ${attempts(n)})`,
                res.status,
                shown,
                msg,
              ),
          };
        },
      );
    });
  }

  async #json(
    path: string,
    params: URLSearchParams | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<DicomJson[]> {
    return this.#request(
      path,
      { params, what, signal, headers: { Accept: 'application/dicom+json' } },
      async (res, url) => {
        const text = await res.text();
        if (res.status === 204 || text.trim() === '') return [];
        try {
          const j = JSON.parse(text) as unknown;
          if (!Array.isArray(j)) throw new Error('not an array');
          return j as DicomJson[];
        } catch {
          throw new DicomwebError(
            `DICOMweb answered ${this.display(url)} with something that is not a DICOM JSON array (${res.headers.get('content-type') ?? 'no content type'}); is ${this.url} the DICOMweb base URL?`,
            res.status,
            this.display(url),
          );
        }
      },
    );
  }

  async #search(path: string, query: QidoQuery, what: string, signal?: AbortSignal): Promise<DicomJson[]> {
    if (query.limit !== undefined) return this.#json(path, qidoParams(query), what, signal);
    const out: DicomJson[] = [];
    const size = this.#cfg.pageSize;
    for (let offset = query.offset ?? 0; ; offset += size) {
      const page = await this.#json(path, qidoParams({ ...query, limit: size, offset }), what, signal);
      out.push(...page);
      if (page.length < size) return out;
    }
  }

  /** QIDO-RS `/studies`: the studies matching `query` (all pages unless `query.limit`). */
  searchStudies(query: QidoQuery = {}, opts: { signal?: AbortSignal } = {}): Promise<DicomJson[]> {
    return this.#search('/studies', query, 'studies', opts.signal);
  }

  /** QIDO-RS `/series` or `/studies/{study}/series`. */
  searchSeries(
    query: QidoQuery = {},
    studyUid?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<DicomJson[]> {
    const path = studyUid === undefined ? '/series' : `/studies/${encodeURIComponent(studyUid)}/series`;
    return this.#search(path, query, 'series', opts.signal);
  }

  /** QIDO-RS `/instances`, `/studies/{study}/instances` or `/studies/{study}/series/{series}/instances`. */
  searchInstances(
    query: QidoQuery = {},
    studyUid?: string,
    seriesUid?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<DicomJson[]> {
    let path = '/instances';
    if (studyUid !== undefined) {
      path = `/studies/${encodeURIComponent(studyUid)}`;
      if (seriesUid !== undefined) path += `/series/${encodeURIComponent(seriesUid)}`;
      path += '/instances';
    }
    return this.#search(path, query, 'instances', opts.signal);
  }

  /** WADO-RS metadata of a study, a series (`seriesUid`) or an instance (also `sopInstanceUid`). */
  metadata(
    studyUid: string,
    seriesUid?: string,
    sopInstanceUid?: string,
    opts: { signal?: AbortSignal } = {},
  ) {
    let path = `/studies/${encodeURIComponent(studyUid)}`;
    if (seriesUid !== undefined) path += `/series/${encodeURIComponent(seriesUid)}`;
    if (sopInstanceUid !== undefined) path += `/instances/${encodeURIComponent(sopInstanceUid)}`;
    return this.#json(`${path}/metadata`, undefined, `metadata of ${path}`, opts.signal);
  }

  /**
   * WADO-RS retrieval of a series' (or one instance's) DICOM instances as `multipart/related`,
   * handed to `onPart` one by one as they arrive. A retry after a dropped connection or a truncated
   * body starts over: `onRestart` is called first (discard what `onPart` got). Returns the number of parts.
   */
  async streamInstances(
    path: string,
    onPart: (bytes: Uint8Array, index: number) => Promise<void>,
    opts: RetrieveOptions & { onRestart?: () => Promise<void> } = {},
  ): Promise<number> {
    const ts = opts.transferSyntax ?? '*';
    const accept = (t: string) => `multipart/related; type="${APPLICATION_DICOM}"; transfer-syntax=${t}`;
    const run = (t: string) => {
      let started = false;
      return this.#request(
        path,
        // Servers that cannot transcode answer 406 (the standard) or 500 (Orthanc 1.10): no retry, fall back.
        {
          what: path,
          signal: opts.signal,
          headers: { Accept: accept(t) },
          final: t === '*' ? [] : [500, 501],
        },
        async (res, url, touch) => {
          if (started) await opts.onRestart?.();
          started = true;
          const type = res.headers.get('content-type') ?? '';
          const boundary = contentTypeParameter(type, 'boundary');
          if (!/^multipart\/related/i.test(type) || boundary === undefined)
            throw new DicomwebError(
              `DICOMweb answered ${this.display(url)} with ${type || 'no content type'}, not multipart/related with a boundary`,
              res.status,
              this.display(url),
            );
          if (!res.body) throw new TransientError(`DICOMweb sent no body for ${this.display(url)}`);
          let n = 0;
          const body = (async function* () {
            for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
              touch();
              yield c;
            }
          })();
          const o = opts.maxPartBytes === undefined ? {} : { maxPartBytes: opts.maxPartBytes };
          for await (const part of parseMultipart(body, boundary, o)) {
            const pt = part.headers['content-type'] ?? APPLICATION_DICOM;
            if (!pt.toLowerCase().startsWith(APPLICATION_DICOM))
              throw new DicomwebError(
                `DICOMweb part ${n} of ${this.display(url)} is ${pt}, not ${APPLICATION_DICOM}`,
                res.status,
                this.display(url),
              );
            await onPart(part.body, n++);
          }
          return n;
        },
      );
    };
    try {
      return await run(ts);
    } catch (e) {
      if (ts === '*' || !(e instanceof DicomwebError) || ![400, 406, 415, 500, 501].includes(e.status))
        throw e;
      this.stats.fallbacks++;
      this.#cfg.log(
        `DICOMweb server cannot send ${path} as transfer syntax ${ts} (HTTP ${e.status}); asking for the stored transfer syntax instead`,
      );
      await opts.onRestart?.();
      return run('*');
    }
  }

  /** WADO-RS: all instances of a series, in the server's order. */
  async retrieveSeries(
    studyUid: string,
    seriesUid: string,
    opts: RetrieveOptions = {},
  ): Promise<Uint8Array[]> {
    const parts: Uint8Array[] = [];
    await this.streamInstances(
      `/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`,
      async (b) => {
        parts.push(b);
      },
      { ...opts, onRestart: async () => void parts.splice(0) },
    );
    return parts;
  }

  /** WADO-RS: one instance. */
  async retrieveInstance(
    studyUid: string,
    seriesUid: string,
    sopInstanceUid: string,
    opts: RetrieveOptions = {},
  ): Promise<Uint8Array> {
    const path = `/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/instances/${encodeURIComponent(sopInstanceUid)}`;
    const parts: Uint8Array[] = [];
    await this.streamInstances(path, async (b) => void parts.push(b), {
      ...opts,
      onRestart: async () => void parts.splice(0),
    });
    if (parts.length !== 1)
      throw new DicomwebError(
        `DICOMweb sent ${parts.length} parts for one instance at ${path}`,
        200,
        this.#url(path),
      );
    return parts[0]!;
  }

  /**
   * STOW-RS: uploads DICOM instances (Part 10 bytes) in `multipart/related` requests of about
   * `batchBytes` each (default 32 MiB), to `/studies` or `/studies/{studyUid}`. Throws a
   * `DicomwebError` naming the refused instances if the server refuses any.
   */
  async storeInstances(
    instances: readonly Uint8Array[],
    opts: { studyUid?: string; batchBytes?: number; signal?: AbortSignal } = {},
  ): Promise<StowResult> {
    const path = opts.studyUid === undefined ? '/studies' : `/studies/${encodeURIComponent(opts.studyUid)}`;
    const limit = opts.batchBytes ?? 32 * 1024 ** 2;
    const batches: Uint8Array[][] = [];
    let cur: Uint8Array[] = [];
    let bytes = 0;
    for (const b of instances) {
      if (cur.length > 0 && bytes + b.length > limit) {
        batches.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(b);
      bytes += b.length;
    }
    if (cur.length) batches.push(cur);
    const result: StowResult = { stored: [], failed: [] };
    for (const batch of batches) {
      const boundary = `csc-mlops-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
      const body = multipartBody(
        batch.map((b) => ({ contentType: APPLICATION_DICOM, body: b })),
        boundary,
      );
      const answer = await this.#request(
        path,
        {
          method: 'POST',
          what: 'STOW-RS upload',
          body,
          signal: opts.signal,
          headers: {
            'Content-Type': `multipart/related; type="${APPLICATION_DICOM}"; boundary=${boundary}`,
            Accept: 'application/dicom+json',
          },
        },
        async (res) => {
          const text = await res.text();
          return text.trim() === '' ? {} : (JSON.parse(text) as DicomJson | DicomJson[]);
        },
      );
      const ds = (Array.isArray(answer) ? answer[0] : answer) ?? {};
      for (const item of jsonValues(ds, 'ReferencedSOPSequence') as DicomJson[])
        result.stored.push(jsonString(item, 'ReferencedSOPInstanceUID'));
      for (const item of jsonValues(ds, 'FailedSOPSequence') as DicomJson[])
        result.failed.push({
          sopInstanceUid: jsonString(item, 'ReferencedSOPInstanceUID'),
          reason: jsonString(item, 'FailureReason'),
        });
    }
    if (result.failed.length > 0)
      throw new DicomwebError(
        `DICOMweb server ${this.url} refused ${result.failed.length} of ${instances.length} instances (failure reasons ${[...new Set(result.failed.map((f) => f.reason))].join(', ')}); ${result.stored.length} were stored`,
        200,
        this.#url(path),
      );
    return result;
  }

  /** Never prints credentials. */
  toJSON(): Record<string, unknown> {
    return { url: this.url, concurrency: this.concurrency };
  }
}
