import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { type XnatAction, normalizeActions, runActions } from '../../src/xnat/actions.js';
import type { XnatConfig } from '../../src/xnat/config.js';
import { XnatDownloadCache, type XnatDownloadCacheOptions } from '../../src/xnat/download.js';
import { scanImage, subjectFromValue } from '../../src/xnat/scan-images.js';
import type { XnatSeriesOption } from '../../src/xnat/series.js';
import { XnatSession } from '../../src/xnat/session.js';
import { parseXnatUri } from '../../src/xnat/uri.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, describeValue } from '../transform.js';
import { LoadImage, type LoadImageOptions, storeLoaded } from './load-image.js';
import { displayIdentifier } from '../../src/patient-identifiers.js';

/** Options of {@link LoadImageXNATd}; unknown options are passed to `LoadImage` and the reader. */
export interface LoadImageXNATdOptions extends MapTransformOptions, LoadImageOptions {
  /**
   * Actions run on the subject an item key names (the seed's mode): each returns `[scan, key]`
   * (or several, or null) and the scan's image goes to `d[key]`. Not needed when the keys already
   * hold scan URIs chosen by `xnatBuildDataset({ actions })`.
   */
  actions?: XnatAction | readonly XnatAction[];
  /** The XNAT server (`{ server, user, password, project }`, or env / netrc). Not needed with `session`. */
  xnatConfiguration?: XnatConfig;
  /** An open session to use (not closed by the transform). */
  session?: XnatSession;
  /** Download cache folder (default `~/.cache/csc-mlops/xnat`; see `defaultXnatCacheDir`). */
  cacheDir?: string;
  /** Largest file a scan zip may inflate to, in bytes (default 2 GiB). */
  maxEntryBytes?: number;
  /** Largest a scan zip may inflate to in all, in bytes (default 16 GiB). */
  maxTotalBytes?: number;
  /** Only files with this suffix (seed's `expected_filetype`, e.g. `'.dcm'`, `'.IMA'`; any case). Default: DICOM or NIfTI. */
  expectedFiletype?: string;
  /** Several series in one download: `'error'` (default), `'keepfirst'`, `'keeplast'`. */
  seriesOption?: XnatSeriesOption;
  /** Suffix of the meta key written when `imageOnly` is false (default `'meta_dict'`). */
  metaKeyPostfix?: string;
  /** Overwrite an existing `*_meta_dict` key. */
  overwriting?: boolean;
}

function cacheOptions(o: LoadImageXNATdOptions): XnatDownloadCacheOptions {
  const out: XnatDownloadCacheOptions = {};
  if (o.cacheDir !== undefined) out.dir = o.cacheDir;
  if (o.maxEntryBytes !== undefined) out.maxEntryBytes = o.maxEntryBytes;
  if (o.maxTotalBytes !== undefined) out.maxTotalBytes = o.maxTotalBytes;
  return out;
}

const OWN = [
  'keys',
  'allowMissingKeys',
  'actions',
  'xnatConfiguration',
  'session',
  'cacheDir',
  'maxEntryBytes',
  'maxTotalBytes',
  'expectedFiletype',
  'seriesOption',
  'metaKeyPostfix',
  'overwriting',
];

/**
 * Loads images from XNAT into a data item (the seed's `LoadImageXNATd`, done right): for each key,
 * a scan URI (as stored by `xnatBuildDataset` with actions) is downloaded and read into `d[key]`;
 * a subject URI (e.g. `subject_uri`) with `actions` runs the actions on that subject and reads each
 * selected scan into `d[returnedKey]` — for every key, not just the first.
 *
 * Downloads go through the session shared per (server, user) (`XnatSession.acquire`, held from first
 * use until `close()`; safe under concurrent loading) into
 * a content cache keyed by scan URI and file listing, so a second epoch or run downloads nothing;
 * zips are streamed to disk, checked (central directory, CRC-32), unpacked without path escapes,
 * and read with our DICOM or NIfTI reader. `d[key + '_meta_dict']` is written when `imageOnly: false`.
 *
 * @example
 * new LoadImageXNATd({ keys: ['subject_uri'], actions: [fetchSagT2Tse], xnatConfiguration: xnat });
 * new LoadImageXNATd({ keys: ['sag_t2_tse'], xnatConfiguration: xnat }); // after xnatBuildDataset({ actions })
 */
export class LoadImageXNATd extends MapTransform<DataItem, LoadImageXNATdOptions> {
  /** The download cache. */
  readonly cache: XnatDownloadCache;
  readonly #actions: XnatAction[];
  readonly #config: XnatConfig | undefined;
  readonly #ownSession: boolean;
  #session: Promise<XnatSession> | undefined;
  readonly #loader: LoadImage;
  #listLoader: LoadImage | undefined;
  readonly #loadOptions: LoadImageOptions;

  constructor(options: LoadImageXNATdOptions) {
    super(options);
    if (
      options.session === undefined &&
      options.xnatConfiguration !== undefined &&
      (typeof options.xnatConfiguration !== 'object' || options.xnatConfiguration === null)
    )
      throw new TransformError(
        'LoadImageXNATd',
        undefined,
        'xnatConfiguration must be an object { server, user, password, project }',
      );
    if (
      options.seriesOption !== undefined &&
      !['error', 'keepfirst', 'keeplast'].includes(options.seriesOption)
    )
      throw new TransformError(
        'LoadImageXNATd',
        undefined,
        `seriesOption must be 'error', 'keepfirst' or 'keeplast' (got ${JSON.stringify(options.seriesOption)})`,
      );
    try {
      this.#actions = normalizeActions(options.actions, 'LoadImageXNATd');
    } catch (e) {
      throw new TransformError('LoadImageXNATd', undefined, (e as Error).message);
    }
    this.#config = options.xnatConfiguration;
    this.#ownSession = options.session === undefined;
    if (options.session) this.#session = Promise.resolve(options.session);
    this.cache = new XnatDownloadCache(cacheOptions(options));
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (!OWN.includes(k)) rest[k] = v;
    this.#loadOptions = rest as LoadImageOptions;
    this.#loader = new LoadImage(this.#loadOptions);
  }

  /** The shared session (connected on first use; a failed connect is retried on the next call). */
  session(): Promise<XnatSession> {
    if (!this.#session) {
      const p = XnatSession.acquire(this.#config ?? {});
      this.#session = p;
      p.catch(() => {
        if (this.#session === p) this.#session = undefined;
      });
    }
    return this.#session;
  }

  /**
   * Lets go of the shared session this transform holds (the last holder logs out); a passed-in
   * session is left open. `Compose.close()`, `DataLoader.close()` and `CacheDataset.close()` call it.
   */
  async close(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    if (s && this.#ownSession) await (await s.catch(() => undefined))?.release();
  }

  /** Description for cache keys, without credentials or the session. */
  override describe(): unknown {
    const { xnatConfiguration: cfg, session: _s, ...rest } = this.options;
    return {
      class: this.name,
      options: describeValue({
        ...rest,
        xnatConfiguration: cfg ? { server: cfg.server, project: cfg.project } : undefined,
      }),
    };
  }

  async #read(uri: string): Promise<MetaImage> {
    const session = await this.session();
    const opt = this.options;
    const sOpts: Parameters<typeof scanImage>[3] = { seriesOption: opt.seriesOption ?? 'error' };
    if (opt.expectedFiletype !== undefined) sOpts.expectedFiletype = opt.expectedFiletype;
    const img = await scanImage(session, this.cache, uri, sOpts);
    if (Array.isArray(img.path)) {
      this.#listLoader ??= new LoadImage({
        ...this.#loadOptions,
        reader: this.#loadOptions.reader ?? 'PydicomReader',
      });
      return this.#listLoader.apply(img.path);
    }
    return this.#loader.apply(img.path);
  }

  async apply(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      await this.forKey(key, async () => {
        const value = d[key];
        if (typeof value !== 'string')
          throw new TransformError(
            this.name,
            key,
            `expected an XNAT scan or subject URI (a string) but got ${value === null ? 'null' : typeof value}`,
          );
        const target = parseXnatUri(value);
        if (target && (target.kind === 'scan' || target.kind === 'resource')) {
          storeLoaded(d, key, await this.#read(value), this.options, this.name);
          return;
        }
        if (this.#actions.length === 0)
          throw new TransformError(
            this.name,
            key,
            `'${value}' is not a scan URI; pass actions to choose scans for this subject, or build the dataset with xnatBuildDataset({ actions })`,
          );
        const session = await this.session();
        const subject = await subjectFromValue(session, value, this.#config?.project ?? session.project);
        const { selections } = await runActions(subject, this.#actions);
        if (selections.length === 0)
          throw new TransformError(
            this.name,
            key,
            `no action found an image for subject '${displayIdentifier('subject_label', subject.label)}' (${subject.id}); filter such subjects out with xnatBuildDataset({ actions, validate: true })`,
          );
        const images = await Promise.all(selections.map((s) => this.#read(s.uri)));
        selections.forEach((s, i) => storeLoaded(d, s.key, images[i]!, this.options, this.name));
      });
    }
    return d;
  }
}
