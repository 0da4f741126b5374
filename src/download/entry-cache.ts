import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { cacheWriteError } from './write-error.js';

/** The manifest written last into every complete entry; an entry without a valid one does not exist. */
export const MANIFEST = '.csc-mlops-cache.json';
/** Where entries are assembled before they are renamed into place. */
export const PARTIAL = '.partial';

/** One entry of an `EntryCache`: a folder of files. */
export interface CacheEntry {
  /** The entry folder. */
  dir: string;
  /** Its files (absolute paths, sorted), without the manifest. */
  files: string[];
  /** True if nothing was downloaded (found in the cache). */
  fromCache: boolean;
}

interface Manifest {
  version: 1;
  files: string[];
  /** Byte sizes of `files` (absent in entries written before sizes were recorded). */
  sizes?: number[];
  created: string;
  [extra: string]: unknown;
}

/**
 * A cache key: the first 40 hex digits of the SHA-256 of `parts` as JSON. Entry folder names are
 * keys only, so patient identifiers (IDs, names, accession numbers, subject labels) in what was
 * downloaded never appear in file names.
 */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

const HOST = cacheKey(hostname()).slice(0, 8);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() && e.name !== MANIFEST) out.push(p);
  }
  return out.sort();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * A folder of complete entries, safe against crashes: an entry is assembled in `{dir}/.partial/`,
 * gets its manifest (file names and sizes) last, and is renamed into place in one step, so a process
 * killed at any point (SIGKILL included), a full disk or a failed download never leaves anything a
 * later run takes for a valid entry, and the later run needs no cleanup: it ignores what is
 * incomplete, removes what dead processes of this host left in `.partial/` (and anything there older
 * than a day) and downloads again. The same key requested concurrently is filled once.
 * XNAT's and DICOMweb's download caches are built on it.
 */
export class EntryCache {
  /** The cache folder. */
  readonly dir: string;
  /** Counters: entries filled (downloads) and cache hits. */
  readonly stats = { downloads: 0, hits: 0 };
  readonly #inflight = new Map<string, Promise<CacheEntry>>();
  #swept = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The folder of entry `key` (whether or not it exists). */
  entryDir(key: string): string {
    return join(this.dir, key);
  }

  /** True if `entry` has a manifest whose files all exist with the recorded sizes. */
  async valid(entry: string): Promise<boolean> {
    try {
      const m = JSON.parse(await readFile(join(entry, MANIFEST), 'utf8')) as Manifest;
      if (m.version !== 1 || !Array.isArray(m.files)) return false;
      for (const [i, f] of m.files.entries()) {
        const st = await stat(join(entry, f));
        if (!st.isFile() || (m.sizes !== undefined && m.sizes[i] !== st.size)) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /** The complete entry `key`, or undefined (counted as a hit when found). */
  async lookup(key: string): Promise<CacheEntry | undefined> {
    const entry = this.entryDir(key);
    if (!(await this.valid(entry))) return undefined;
    this.stats.hits++;
    return { dir: entry, files: await walk(entry), fromCache: true };
  }

  /**
   * Entry `key` from the cache, or made by `produce(tmpDir)` (which writes the entry's files into
   * the fresh folder `tmpDir`, and may also use the path `${tmpDir}.zip`) and renamed into place.
   * `extra` goes into the manifest (never patient identifiers). On failure nothing is left behind.
   */
  get(key: string, produce: (tmpDir: string) => Promise<void>, extra: Record<string, string> = {}) {
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#fill(key, produce, extra).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p;
  }

  async #sweep(partial: string): Promise<void> {
    if (this.#swept) return;
    this.#swept = true;
    const day = Date.now() - 24 * 3600_000;
    for (const e of await readdir(partial).catch(() => [] as string[])) {
      const p = join(partial, e);
      const m = /^[0-9a-f]+-([0-9a-f]{8})-(\d+)-/.exec(e);
      const dead = m !== null && m[1] === HOST && !alive(Number(m[2]));
      const st = dead ? undefined : await stat(p).catch(() => undefined);
      if (dead || (st && st.mtimeMs < day)) await rm(p, { recursive: true, force: true });
    }
  }

  async #fill(
    key: string,
    produce: (tmpDir: string) => Promise<void>,
    extra: Record<string, string>,
  ): Promise<CacheEntry> {
    const found = await this.lookup(key);
    if (found) return found;
    const partial = join(this.dir, PARTIAL);
    try {
      await mkdir(partial, { recursive: true });
    } catch (e) {
      throw cacheWriteError(partial, e, 'the download cache folder');
    }
    await this.#sweep(partial);
    const tmpDir = join(partial, `${key}-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const entry = this.entryDir(key);
    try {
      await mkdir(tmpDir).catch((e: unknown) => {
        throw cacheWriteError(tmpDir, e);
      });
      await produce(tmpDir);
      this.stats.downloads++;
      const files = await walk(tmpDir);
      const manifest: Manifest = {
        version: 1,
        files: files.map((f) => relative(tmpDir, f).split(sep).join('/')),
        sizes: await Promise.all(files.map(async (f) => (await stat(f)).size)),
        created: new Date().toISOString(),
        ...extra,
      };
      await writeFile(join(tmpDir, MANIFEST), JSON.stringify(manifest, null, 1)).catch((e: unknown) => {
        throw cacheWriteError(join(tmpDir, MANIFEST), e, 'the cache manifest');
      });
      await rm(entry, { recursive: true, force: true });
      try {
        await rename(tmpDir, entry);
      } catch (e) {
        // Another process put the same entry in place first: use theirs.
        if (!(await this.valid(entry))) throw cacheWriteError(entry, e, 'the cache entry');
      }
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
      await rm(`${tmpDir}.zip`, { force: true });
    }
    return { dir: entry, files: await walk(entry), fromCache: false };
  }
}
