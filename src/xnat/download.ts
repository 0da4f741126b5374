import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { CscMlopsError, XnatError, XnatNotFoundError } from '../errors.js';
import { type XnatRow, resultRows } from './listing.js';
import { type XnatSession, XnatTransientError } from './session.js';
import { parseXnatUri } from './uri.js';
import { ZipCorruptError, extractZip } from './zip-extract.js';

const MANIFEST = '.csc-mlops-cache.json';
const PARTIAL = '.partial';

/** Streams a response body to `file`, restarting the idle timeout per chunk. Network errors propagate raw (retried). */
async function streamToFile(
  res: Response,
  file: string,
  url: string,
  touch: (stop?: boolean) => void,
): Promise<number> {
  if (!res.body) throw new XnatTransientError(`XNAT sent no body for ${url}`);
  let fh;
  try {
    fh = await open(file, 'w');
  } catch (e) {
    throw new XnatError(
      `cannot write the download of ${url} to ${file}: ${(e as Error).message}`,
      0,
      url,
      undefined,
      { cause: e },
    );
  }
  let bytes = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      touch();
      try {
        await fh.write(value);
      } catch (e) {
        throw new XnatError(
          `cannot write the download of ${url} to ${file}: ${(e as Error).message}`,
          0,
          url,
          undefined,
          { cause: e },
        );
      }
      bytes += value.length;
    }
  } finally {
    reader.releaseLock();
    await fh.close();
  }
  const expected = Number(res.headers.get('content-length'));
  if (res.headers.has('content-length') && Number.isFinite(expected) && expected !== bytes)
    throw new XnatTransientError(`download of ${url} ended after ${bytes} of ${expected} bytes`);
  return bytes;
}

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
        await streamToFile(res, tmpZip, url, touch);
        touch(true);
        try {
          return await extractZip(tmpZip, tmpDir);
        } catch (e) {
          if (e instanceof ZipCorruptError)
            throw new XnatTransientError(`the zip downloaded from ${url} is corrupt: ${e.message}`);
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
  opts: { signal?: AbortSignal } = {},
  fallbackPath?: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
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
  if (env.CSC_MLOPS_CACHE) return join(env.CSC_MLOPS_CACHE, 'xnat');
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'csc-mlops', 'xnat');
  return join(env.HOME || homedir(), '.cache', 'csc-mlops', 'xnat');
}

/** A scan's (or resource's) files in the download cache. */
export interface CachedFiles {
  /** The cache entry folder (the zip unpacked in XNAT's layout). */
  dir: string;
  /** The unpacked files (absolute paths, sorted). */
  files: string[];
  /** True if nothing was downloaded (found in the cache). */
  fromCache: boolean;
  /** The files route that was downloaded (`…/resources/DICOM/files` or `…/files`). */
  route: string;
}

interface Manifest {
  version: 1;
  server: string;
  route: string;
  files: string[];
  created: string;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() && e.name !== MANIFEST) out.push(p);
  }
  return out.sort();
}

/**
 * Content cache of downloaded scans, keyed by server, scan URI and the file listing (names, sizes,
 * MD5 digests): a second epoch or a second run downloads nothing, and a scan whose files changed on
 * the server is downloaded again. Downloads are unpacked in `{dir}/.partial/` and renamed into place
 * only once checked, so a failed or interrupted download never leaves a half-written entry; the
 * same scan requested concurrently is downloaded once.
 *
 * @example
 * const cache = new XnatDownloadCache();                    // ~/.cache/csc-mlops/xnat
 * const { dir, files } = await cache.fetch(session, '/data/experiments/XNAT_E00001/scans/3');
 */
export class XnatDownloadCache {
  /** The cache folder. */
  readonly dir: string;
  readonly #inflight = new Map<string, Promise<CachedFiles>>();
  readonly #known = new Map<string, CachedFiles>();
  #swept = false;

  constructor(dir: string = defaultXnatCacheDir()) {
    this.dir = dir;
  }

  /** Counters: downloads made and cache hits. */
  readonly stats = { downloads: 0, hits: 0 };

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
    if (memo && (await this.#valid(memo.dir))) {
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
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          v: 1,
          server: session.server,
          route,
          files: rows.map((r) => [r.URI ?? r.Name ?? '', r.Size ?? '', r.digest ?? '']).sort(),
        }),
      )
      .digest('hex')
      .slice(0, 40);
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#fill(session, key, route, what, opts.signal).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    const out = await p;
    this.#known.set(memoKey, out);
    return out;
  }

  async #valid(entry: string): Promise<boolean> {
    try {
      const m = JSON.parse(await readFile(join(entry, MANIFEST), 'utf8')) as Manifest;
      if (m.version !== 1 || !Array.isArray(m.files)) return false;
      for (const f of m.files) await stat(join(entry, f));
      return true;
    } catch {
      return false;
    }
  }

  async #sweep(): Promise<void> {
    if (this.#swept) return;
    this.#swept = true;
    const partial = join(this.dir, PARTIAL);
    try {
      const day = Date.now() - 24 * 3600_000;
      for (const e of await readdir(partial)) {
        const p = join(partial, e);
        const st = await stat(p).catch(() => undefined);
        if (st && st.mtimeMs < day) await rm(p, { recursive: true, force: true });
      }
    } catch {
      // no partial folder yet
    }
  }

  async #fill(
    session: XnatSession,
    key: string,
    route: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<CachedFiles> {
    const entry = join(this.dir, key);
    if (await this.#valid(entry)) {
      this.stats.hits++;
      return { dir: entry, files: await walk(entry), fromCache: true, route };
    }
    await this.#sweep();
    const partial = join(this.dir, PARTIAL);
    try {
      await mkdir(partial, { recursive: true });
    } catch (e) {
      throw new CscMlopsError(
        `cannot create the XNAT download cache folder ${partial}: ${(e as Error).message}; pass cacheDir`,
        { cause: e },
      );
    }
    const tag = `${key}-${randomBytes(6).toString('hex')}`;
    const tmpDir = join(partial, tag);
    const tmpZip = `${tmpDir}.zip`;
    const files = await fetchZip(session, route, tmpZip, tmpDir, signal, what);
    this.stats.downloads++;
    try {
      const manifest: Manifest = {
        version: 1,
        server: session.server,
        route,
        files: files.map((f) => relative(tmpDir, f).split(sep).join('/')),
        created: new Date().toISOString(),
      };
      await writeFile(join(tmpDir, MANIFEST), JSON.stringify(manifest, null, 1));
      await rm(entry, { recursive: true, force: true });
      try {
        await rename(tmpDir, entry);
      } catch (e) {
        // Another process put the same entry in place first: use theirs.
        if (!(await this.#valid(entry))) throw e;
      }
    } catch (e) {
      await rm(tmpDir, { recursive: true, force: true });
      throw new CscMlopsError(
        `cannot store the download of ${route} in the cache ${this.dir}: ${(e as Error).message}`,
        { cause: e },
      );
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
    return { dir: entry, files: await walk(entry), fromCache: false, route };
  }
}
