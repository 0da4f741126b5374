import { DicomwebNotFoundError, TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import {
  type DicomwebAction,
  normalizeDicomwebActions,
  runDicomwebActions,
} from '../../src/dicomweb/actions.js';
import { DicomwebClient, type RetrieveOptions } from '../../src/dicomweb/client.js';
import { PydicomReader } from '../../src/io/dicom/pydicom-reader.js';
import type { ImageReader } from '../../src/io/image-reader.js';
import type { DicomwebConfig } from '../../src/dicomweb/config.js';
import { DicomwebDownloadCache, type DicomwebDownloadCacheOptions } from '../../src/dicomweb/download.js';
import { loadPatients, parseSeriesUri } from '../../src/dicomweb/model.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, describeValue } from '../transform.js';
import { LoadImage, type LoadImageOptions, storeLoaded } from './load-image.js';

/** Options of {@link LoadImageDICOMWebd}; unknown options are passed to `LoadImage` and the reader. */
export interface LoadImageDICOMWebdOptions extends MapTransformOptions, LoadImageOptions {
  /**
   * Actions run on the patient an item key names (its PatientID): each returns `[series, key]` (or
   * several, or null) and the series' image goes to `d[key]`. Not needed when the keys already hold
   * series URIs chosen by `dicomwebBuildDataset({ actions })`.
   */
  actions?: DicomwebAction | readonly DicomwebAction[];
  /** The DICOMweb server (`{ url, user, password }` or `{ url, token }`, or env). Not needed with `client`. */
  dicomwebConfiguration?: DicomwebConfig;
  /** A client to use. */
  client?: DicomwebClient;
  /**
   * Download cache folder (default `~/.cache/csc-mlops/dicomweb`; see `defaultDicomwebCacheDir`), or
   * `false`: no disk at all, each series is retrieved into memory and read from there (every epoch
   * downloads again: use it with a `CacheDataset`). `false` needs the DICOM reader (`PydicomReader`).
   */
  cacheDir?: string | false;
  /** Transfer syntax asked of the server (default `'*'`: as stored). */
  transferSyntax?: string;
  /** Largest instance in bytes (default 1 GiB). */
  maxPartBytes?: number;
  /** Largest series in bytes (default 16 GiB). */
  maxTotalBytes?: number;
  /** Suffix of the meta key written when `imageOnly` is false (default `'meta_dict'`). */
  metaKeyPostfix?: string;
  /** Overwrite an existing `*_meta_dict` key. */
  overwriting?: boolean;
}

const OWN = [
  'keys',
  'allowMissingKeys',
  'actions',
  'dicomwebConfiguration',
  'client',
  'cacheDir',
  'transferSyntax',
  'maxPartBytes',
  'maxTotalBytes',
  'metaKeyPostfix',
  'overwriting',
];

/**
 * Loads DICOM series from a DICOMweb server (a PACS, Orthanc) into a data item, as
 * {@link LoadImageXNATd} does from XNAT: for each key, a series URI (as stored by
 * `dicomwebBuildDataset` with actions) is retrieved with WADO-RS and read into `d[key]`; a PatientID
 * with `actions` runs the actions on that patient and reads each selected series into
 * `d[returnedKey]`. Series go through a download cache (keyed by series and instance list) so a
 * second epoch or run downloads nothing; `d[key + '_meta_dict']` is written when `imageOnly: false`.
 *
 * @example
 * new LoadImageDICOMWebd({ keys: ['ct'], dicomwebConfiguration: { url, user, password } }); // after dicomwebBuildDataset({ actions })
 * new LoadImageDICOMWebd({ keys: ['patient_id'], actions: [fetchCt], dicomwebConfiguration: pacs });
 */
export class LoadImageDICOMWebd extends MapTransform<DataItem, LoadImageDICOMWebdOptions> {
  /** The download cache (undefined with `cacheDir: false`). */
  readonly cache: DicomwebDownloadCache | undefined;
  readonly #actions: DicomwebAction[];
  readonly #config: DicomwebConfig | undefined;
  #client: DicomwebClient | undefined;
  readonly #loader: LoadImage;
  readonly #rest: Record<string, unknown>;

  constructor(options: LoadImageDICOMWebdOptions) {
    super(options);
    if (
      options.client === undefined &&
      options.dicomwebConfiguration !== undefined &&
      (typeof options.dicomwebConfiguration !== 'object' || options.dicomwebConfiguration === null)
    )
      throw new TransformError(
        this.name,
        undefined,
        'dicomwebConfiguration must be an object { url, user, password }',
      );
    try {
      this.#actions = normalizeDicomwebActions(options.actions, this.name);
    } catch (e) {
      throw new TransformError(this.name, undefined, (e as Error).message);
    }
    this.#config = options.dicomwebConfiguration;
    this.#client = options.client;
    const co: DicomwebDownloadCacheOptions = {};
    if (options.cacheDir !== undefined && options.cacheDir !== false) co.dir = options.cacheDir;
    if (options.transferSyntax !== undefined) co.transferSyntax = options.transferSyntax;
    if (options.maxPartBytes !== undefined) co.maxPartBytes = options.maxPartBytes;
    if (options.maxTotalBytes !== undefined) co.maxTotalBytes = options.maxTotalBytes;
    this.cache = options.cacheDir === false ? undefined : new DicomwebDownloadCache(co);
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (!OWN.includes(k)) rest[k] = v;
    const reader = (rest as LoadImageOptions).reader ?? 'PydicomReader';
    if (options.cacheDir === false && reader !== 'PydicomReader')
      throw new TransformError(
        this.name,
        undefined,
        'cacheDir: false reads series from memory with the DICOM reader; leave reader unset (or PydicomReader), or give a cacheDir',
      );
    this.#rest = rest;
    this.#loader = new LoadImage({ ...rest, reader });
  }

  /** The client (made from the configuration on first use). */
  client(): DicomwebClient {
    this.#client ??= new DicomwebClient(this.#config ?? {});
    return this.#client;
  }

  /** Description for cache keys, without credentials or the client. */
  override describe(): unknown {
    const { dicomwebConfiguration: cfg, client: _c, ...rest } = this.options;
    return {
      class: this.name,
      options: describeValue({ ...rest, dicomwebConfiguration: cfg ? { url: cfg.url } : undefined }),
    };
  }

  async #read(uri: string): Promise<MetaImage> {
    if (this.cache) return this.#loader.apply((await this.cache.fetch(this.client(), uri)).files);
    // No disk: the instances stay in memory and go to the DICOM reader as buffers.
    const instances = new Map<string, Uint8Array>();
    const opt = this.options;
    const ro: RetrieveOptions = {};
    if (opt.transferSyntax !== undefined) ro.transferSyntax = opt.transferSyntax;
    if (opt.maxPartBytes !== undefined) ro.maxPartBytes = opt.maxPartBytes;
    await this.client().streamInstances(
      uri,
      async (bytes, i) => void instances.set(`${uri}/${i}.dcm`, bytes),
      {
        ...ro,
        onRestart: async () => instances.clear(),
      },
    );
    const dicom = new PydicomReader();
    const reader: ImageReader = {
      name: 'PydicomReader',
      verifySuffix: () => true,
      read: (_paths, options) => dicom.readBuffers(instances, options),
    };
    return new LoadImage({ ...this.#rest, reader }).apply([...instances.keys()]);
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
            `expected a DICOMweb series URI or a PatientID (a string) but got ${value === null ? 'null' : typeof value}`,
          );
        if (parseSeriesUri(value)) {
          storeLoaded(d, key, await this.#read(value), this.options, this.name);
          return;
        }
        if (this.#actions.length === 0)
          throw new TransformError(
            this.name,
            key,
            'the value is not a series URI (/studies/{study}/series/{series}); pass actions to choose series for this patient, or build the dataset with dicomwebBuildDataset({ actions })',
          );
        const client = this.client();
        const who = client.patientLabel(value);
        const [patient] = await loadPatients(client, { query: { PatientID: value } });
        if (!patient)
          throw new DicomwebNotFoundError(
            `DICOMweb server ${client.url} has no studies of ${who}`,
            404,
            client.url,
          );
        const { selections } = await runDicomwebActions(patient, this.#actions, who);
        if (selections.length === 0)
          throw new TransformError(
            this.name,
            key,
            `no action found an image for ${who}; filter such patients out with dicomwebBuildDataset({ actions, validate: true })`,
          );
        const images = await Promise.all(selections.map((s) => this.#read(s.uri)));
        selections.forEach((s, i) => storeLoaded(d, s.key, images[i]!, this.options, this.name));
      });
    }
    return d;
  }
}
