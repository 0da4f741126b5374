import { randomBytes } from 'node:crypto';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { XnatError, XnatNotFoundError } from '../errors.js';
import { defaultCacheDir } from '../download/cache-dir.js';
import { type CacheEntry, EntryCache, cacheKey } from '../download/entry-cache.js';
import { streamToFile } from '../download/stream-to-file.js';
import { cacheWriteError } from '../download/write-error.js';
import { type ZipLimits, ZipCorruptError, extractZip } from '../download/zip-extract.js';
import { TransientError } from '../http/retry.js';
import { redactUriLabels } from '../patient-identifiers.js';
import { type XnatRow, resultRows } from './listing.js';
import type { XnatSession } from './session.js';
import { parseXnatUri } from './uri.js';

/**
 * Downloads `{filesPath}?format=zip` streamed into `tmpZip`, checks it (central directory, sizes,
 * CRC-32) and unpacks it into `tmpDir`, inside the session's retry loop: a dropped connection or a
 * corrupt zip is downloaded again. On failure neither path is left behind.
 */
async function fetchZip(
  session: XnatSession,
  filesPath: string,
  tmpZip: string,
  tmpDir: string,
  signal: AbortSignal | undefined,
  what: string,
  limits: ZipLimits = {},
): Promise<string[]> {
  const opts: { query: Record<string, string>; what: string; signal?: AbortSignal } = {
    query: { format: 'zip' },
    what,
  };
  if (signal) opts.signal = signal;
  try {
    return await session.request(filesPath, opts, async (res, url, touch) => {
      await rm(tmpDir, { recursive: true, force: true });
      try {
        if (!res.body) throw new TransientError(`XNAT sent no body for ${redactUriLabels(url)}`);
        const bytes = await streamToFile(res.body, tmpZip, touch);
        const expected = Number(res.headers.get('content-length'));
        if (res.headers.has('content-length') && Number.isFinite(expected) && expected !== bytes)
          throw new TransientError(
            `download of ${redactUriLabels(url)} ended after ${bytes} of ${expected} bytes`,
          );
        touch(true);
        try {
          return await extractZip(tmpZip, tmpDir, limits);
        } catch (e) {
          if (e instanceof ZipCorruptError)
            throw new TransientError(
              `the zip downloaded from ${redactUriLabels(url)} is corrupt: ${e.message}`,
            );
          throw e;
        }
      } catch (e) {
        await rm(tmpDir, { recursive: true, force: true });
        throw e;
      } finally {
        await rm(tmpZip, { force: true });
      }
    });
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    await rm(tmpZip, { force: true });
    throw e;
  }
}

/**
 * Downloads a files route (`…/resources/DICOM/files`, `…/scans/3/files`) as a checked zip and unpacks it
 * into `dir` in XNAT's layout (`{experiment}/scans/{id}-{type}/resources/{label}/files/…`). With
 * `fallbackPath`, a 404 on `filesPath` tries that route instead. Returns the unpacked file paths.
 */
export async function downloadFilesToDir(
  session: XnatSession,
  filesPath: string,
  dir: string,
  opts: { signal?: AbortSignal } & ZipLimits = {},
  fallbackPath?: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw cacheWriteError(dir, e, 'the download folder');
  });
  const tag = randomBytes(6).toString('hex');
  const tmpDir = join(dir, `.csc-mlops-partial-${tag}`);
  const tmpZip = `${tmpDir}.zip`;
  let files: string[];
  try {
    files = await fetchZip(
      session,
      filesPath,
      tmpZip,
      tmpDir,
      opts.signal,
      `files of ${filesPath.replace(/\/files$/, '')}`,
      opts,
    );
  } catch (e) {
    if (!(e instanceof XnatNotFoundError) || fallbackPath === undefined) throw e;
    files = await fetchZip(
      session,
      fallbackPath,
      tmpZip,
      tmpDir,
      opts.signal,
      `files of ${fallbackPath.replace(/\/files$/, '')}`,
      opts,
    );
  }
  try {
    await cp(tmpDir, dir, { recursive: true, force: true });
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  return files.map((f) => join(dir, relative(tmpDir, f)));
}

/** The default download cache folder: `$CSC_MLOPS_CACHE/xnat`, `$XDG_CACHE_HOME/csc-mlops/xnat` or `~/.cache/csc-mlops/xnat`. */
export function defaultXnatCacheDir(env: Record<string, string | undefined> = process.env): string {
  return defaultCacheDir('xnat', env);
}

/** A scan's (or resource's) files in the download cache. */
export interface CachedFiles extends CacheEntry {
  /** The files route that was downloaded (`…/resources/DICOM/files` or `…/files`). */
  route: string;
}

/** Options of {@link XnatDownloadCache}: where, and the caps on what a scan zip may inflate to. */
export interface XnatDownloadCacheOptions extends ZipLimits {
  /** The cache folder (default {@link defaultXnatCacheDir}). */
  dir?: string;
}

/**
 * Content cache of downloaded scans, keyed by server, scan URI and the file listing (names, sizes,
 * MD5 digests): a second epoch or a second run downloads nothing, and a scan whose files changed on
 * the server is downloaded again. Entries are assembled and checked in `{dir}/.partial/` and renamed
 * into place (see `EntryCache`), so a failed, interrupted or killed download, a full disk or a zip
 * bomb (`maxEntryBytes`, `maxTotalBytes`) never leaves a half-written entry; the same scan requested
 * concurrently is downloaded once. Entry names are hashes (no subject labels in file names).
 *
 * @example
 * const cache = new XnatDownloadCache();                    // ~/.cache/csc-mlops/xnat
 * const { dir, files } = await cache.fetch(session, '/data/experiments/XNAT_E00001/scans/3');
 */
export class XnatDownloadCache {
  /** The cache folder. */
  readonly dir: string;
  /** Counters: downloads made and cache hits. */
  readonly stats: { downloads: number; hits: number };
  readonly #entries: EntryCache;
  readonly #limits: ZipLimits;
  readonly #known = new Map<string, CachedFiles>();

  constructor(dirOrOptions: string | XnatDownloadCacheOptions = {}) {
    const o = typeof dirOrOptions === 'string' ? { dir: dirOrOptions } : dirOrOptions;
    this.dir = o.dir ?? defaultXnatCacheDir();
    this.#entries = new EntryCache(this.dir);
    this.stats = this.#entries.stats;
    this.#limits = {};
    if (o.maxEntryBytes !== undefined) this.#limits.maxEntryBytes = o.maxEntryBytes;
    if (o.maxTotalBytes !== undefined) this.#limits.maxTotalBytes = o.maxTotalBytes;
  }

  /**
   * The files of a scan (its `DICOM` resource, else all its files) or of one resource, from the
   * cache or downloaded into it.
   */
  async fetch(session: XnatSession, uri: string, opts: { signal?: AbortSignal } = {}): Promise<CachedFiles> {
    const target = parseXnatUri(uri);
    if (!target || (target.kind !== 'scan' && target.kind !== 'resource'))
      throw new XnatError(
        `'${uri}' is not an XNAT scan or scan-resource URI (expected /data/experiments/{E}/scans/{id}[/resources/{label}])`,
        0,
        uri,
      );
    const memoKey = `${session.server}\n${target.path}`;
    const memo = this.#known.get(memoKey);
    if (memo && (await this.#entries.valid(memo.dir))) {
      this.stats.hits++;
      return { ...memo, fromCache: true };
    }
    const routes =
      target.kind === 'scan'
        ? [`${target.path}/resources/DICOM/files`, `${target.path}/files`]
        : [`${target.path}/files`];
    const what =
      target.kind === 'scan'
        ? `scan ${target.scan} (${target.path})`
        : `resource ${target.resource} (${target.path})`;
    let rows: XnatRow[] = [];
    let route = '';
    for (const r of routes) {
      try {
        const o: { what: string; signal?: AbortSignal } = { what };
        if (opts.signal) o.signal = opts.signal;
        rows = resultRows(await session.getJson(r, o), session.url(r));
      } catch (e) {
        if (e instanceof XnatNotFoundError) continue;
        throw e;
      }
      route = r;
      if (rows.length > 0) break;
    }
    if (rows.length === 0)
      throw new XnatNotFoundError(
        route === ''
          ? `XNAT ${what} not found on ${session.server} (or user '${session.user}' cannot read it)`
          : `XNAT ${what} has no files on ${session.server} (no DICOM resource and no other files); choose another scan`,
        404,
        session.url(route || routes[0]!),
      );
    const key = cacheKey({
      v: 1,
      server: session.server,
      route,
      files: rows.map((r) => [r.URI ?? r.Name ?? '', r.Size ?? '', r.digest ?? '']).sort(),
    });
    const entry = await this.#entries.get(
      key,
      async (tmpDir) => {
        await fetchZip(session, route, `${tmpDir}.zip`, tmpDir, opts.signal, what, this.#limits);
      },
      { server: session.server, route },
    );
    const out = { ...entry, route };
    this.#known.set(memoKey, out);
    return out;
  }
}
