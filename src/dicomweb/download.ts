import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DicomwebError, DicomwebNotFoundError, DownloadTooLargeError } from '../errors.js';
import { defaultCacheDir } from '../download/cache-dir.js';
import { type CacheEntry, EntryCache, cacheKey } from '../download/entry-cache.js';
import { cacheWriteError } from '../download/write-error.js';
import type { DicomwebClient } from './client.js';
import { jsonString } from './dicom-json.js';
import { parseSeriesUri } from './model.js';

/** The default DICOMweb download cache: `$CSC_MLOPS_CACHE/dicomweb` or `~/.cache/csc-mlops/dicomweb`. */
export function defaultDicomwebCacheDir(env: Record<string, string | undefined> = process.env): string {
  return defaultCacheDir('dicomweb', env);
}

/** Options of {@link DicomwebDownloadCache}. */
export interface DicomwebDownloadCacheOptions {
  /** The cache folder (default {@link defaultDicomwebCacheDir}). */
  dir?: string;
  /** Transfer syntax asked for (default `'*'`, as stored; see `RetrieveOptions.transferSyntax`). */
  transferSyntax?: string;
  /** Largest instance in bytes (default 1 GiB). */
  maxPartBytes?: number;
  /** Largest series in bytes (default 16 GiB). */
  maxTotalBytes?: number;
}

/** A series' instances in the cache. */
export interface CachedSeries extends CacheEntry {
  /** `/studies/{study}/series/{series}`. */
  uri: string;
}

/**
 * Download cache of DICOMweb series, keyed by server, series and its instance list (SOPInstanceUIDs
 * from QIDO-RS): a second epoch or run downloads nothing, a series whose instances changed is
 * downloaded again. Instances are streamed part by part into `{dir}/.partial/` and the entry is
 * renamed into place complete (see `EntryCache`), so a dropped connection, a truncated body, a 503,
 * a full disk or a killed process never leaves a partial entry. Entry names are hashes.
 *
 * @example
 * const cache = new DicomwebDownloadCache({ dir: '/data/cache' });
 * const { files } = await cache.fetch(client, '/studies/1.2.3/series/1.2.3.4');
 */
export class DicomwebDownloadCache {
  readonly dir: string;
  /** Counters: downloads made and cache hits. */
  readonly stats: { downloads: number; hits: number };
  readonly #entries: EntryCache;
  readonly #opts: DicomwebDownloadCacheOptions;
  readonly #known = new Map<string, CachedSeries>();

  constructor(options: DicomwebDownloadCacheOptions = {}) {
    this.dir = options.dir ?? defaultDicomwebCacheDir();
    this.#entries = new EntryCache(this.dir);
    this.stats = this.#entries.stats;
    this.#opts = options;
  }

  /** The instances of a series (`/studies/{study}/series/{series}`), from the cache or downloaded into it. */
  async fetch(
    client: DicomwebClient,
    uri: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<CachedSeries> {
    const t = parseSeriesUri(uri);
    if (!t)
      throw new DicomwebError(
        `'${uri}' is not a DICOMweb series URI (expected /studies/{StudyInstanceUID}/series/{SeriesInstanceUID})`,
        0,
        uri,
      );
    const memoKey = `${client.url}\n${uri}`;
    const memo = this.#known.get(memoKey);
    if (memo && (await this.#entries.valid(memo.dir))) {
      this.stats.hits++;
      return { ...memo, fromCache: true };
    }
    const o = opts.signal ? { signal: opts.signal } : {};
    const sops = (await client.searchInstances({}, t.studyUid, t.seriesUid, o))
      .map((ds) => jsonString(ds, 'SOPInstanceUID'))
      .sort();
    if (sops.length === 0)
      throw new DicomwebNotFoundError(
        `DICOMweb series ${uri} has no instances on ${client.url} (or the account cannot see them)`,
        404,
        `${client.url}${uri}`,
      );
    const ts = this.#opts.transferSyntax ?? '*';
    const key = cacheKey({ v: 1, server: client.url, uri, ts, sops });
    const maxTotal = this.#opts.maxTotalBytes ?? 16 * 1024 ** 3;
    const entry = await this.#entries.get(
      key,
      async (tmpDir) => {
        let total = 0;
        const clear = async () => {
          total = 0;
          for (const f of await readdir(tmpDir)) await rm(join(tmpDir, f), { force: true });
        };
        const n = await client.streamInstances(
          uri,
          async (bytes, i) => {
            total += bytes.length;
            if (total > maxTotal)
              throw new DownloadTooLargeError(
                `DICOMweb series ${uri} is larger than maxTotalBytes (${maxTotal} bytes); raise maxTotalBytes if it really is that large`,
                maxTotal,
              );
            const file = join(tmpDir, `${String(i).padStart(6, '0')}.dcm`);
            await writeFile(file, bytes).catch((e: unknown) => {
              throw cacheWriteError(file, e, 'a downloaded instance');
            });
          },
          {
            ...o,
            transferSyntax: ts,
            ...(this.#opts.maxPartBytes !== undefined && { maxPartBytes: this.#opts.maxPartBytes }),
            onRestart: clear,
          },
        );
        if (n !== sops.length)
          throw new DicomwebError(
            `DICOMweb server sent ${n} instances for series ${uri} but QIDO-RS lists ${sops.length}; the series may be changing on the server: try again later`,
            200,
            `${client.url}${uri}`,
          );
      },
      { server: client.url },
    );
    const out = { ...entry, uri };
    this.#known.set(memoKey, out);
    return out;
  }
}
