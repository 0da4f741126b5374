import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { AwsV4Signer } from 'aws4fetch';
import { ConfigError, MlflowError } from '../../errors.js';
import { envFlag } from '../env.js';
import type { TrackingEnv } from '../env.js';
import { MlflowHttp } from '../mlflow-http.js';
import type { BodyLike, FetchLike, HttpOptions } from '../mlflow-http.js';
import { createTlsFetch } from '../tls-fetch.js';
import type { FileInfo } from '../types.js';
import {
  BaseArtifactRepository,
  artifactNotFound,
  guessContentType,
  joinArtifactPath,
  normalizeArtifactPath,
} from './artifact-repository.js';

/** Connection settings of an S3-compatible object store (MinIO in the csc-mlops stack). */
export interface S3Options {
  /** e.g. `http://localhost:8002`; `MLFLOW_S3_ENDPOINT_URL`, else AWS (`https://s3.<region>.amazonaws.com`). */
  endpointUrl?: string;
  /** `AWS_ACCESS_KEY_ID`. */
  accessKeyId?: string;
  /** `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey?: string;
  /** `AWS_SESSION_TOKEN`. */
  sessionToken?: string;
  /** `AWS_DEFAULT_REGION` / `AWS_REGION`, default `us-east-1` (MinIO's default). */
  region?: string;
  /** HTTP client for the object store (TLS settings, `MLFLOW_S3_IGNORE_TLS` via {@link createTlsFetch}). */
  fetch?: FetchLike;
  /** Retry policy and timeout, as for the tracking client. */
  http?: Omit<HttpOptions, 'fetch' | 'auth'>;
}

/** Resolved S3 settings. */
export interface ResolvedS3Options {
  endpointUrl: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  region: string;
  ignoreTls: boolean;
  /** The CA bundle from `AWS_CA_BUNDLE` (a private CA for the S3 endpoint), if set. */
  ca: Buffer | undefined;
}

/**
 * S3 settings from options, then the environment the Python client reads: `MLFLOW_S3_ENDPOINT_URL`,
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_DEFAULT_REGION`, `MLFLOW_S3_IGNORE_TLS`,
 * `AWS_CA_BUNDLE` (as boto3: the CA file for the S3 endpoint's certificate).
 * @throws ConfigError when the key pair is missing, or the CA bundle cannot be read
 */
export function resolveS3Options(options: S3Options = {}, env: TrackingEnv = process.env): ResolvedS3Options {
  const region = options.region ?? env.AWS_DEFAULT_REGION ?? env.AWS_REGION ?? 'us-east-1';
  const endpointUrl = (
    options.endpointUrl ??
    env.MLFLOW_S3_ENDPOINT_URL ??
    `https://s3.${region}.amazonaws.com`
  ).replace(/\/+$/, '');
  const accessKeyId = options.accessKeyId ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = options.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      's3:// artifacts need credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the MinIO key pair) and MLFLOW_S3_ENDPOINT_URL (e.g. http://localhost:8002)',
    );
  }
  if (!/^https?:\/\//.test(endpointUrl)) {
    throw new ConfigError(`MLFLOW_S3_ENDPOINT_URL must start with http:// or https://, got '${endpointUrl}'`);
  }
  const ignoreTls = envFlag(env.MLFLOW_S3_IGNORE_TLS);
  const caPath = env.AWS_CA_BUNDLE;
  if (ignoreTls && caPath)
    throw new ConfigError('MLFLOW_S3_IGNORE_TLS and AWS_CA_BUNDLE cannot both be set: keep AWS_CA_BUNDLE');
  let ca: Buffer | undefined;
  if (caPath) {
    try {
      ca = readFileSync(caPath);
    } catch (e) {
      throw new ConfigError(
        `AWS_CA_BUNDLE=${caPath}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        { cause: e },
      );
    }
  }
  return {
    endpointUrl,
    accessKeyId,
    secretAccessKey,
    sessionToken: options.sessionToken ?? env.AWS_SESSION_TOKEN,
    region,
    ignoreTls,
    ca,
  };
}

/** Encodes an object key for a path-style URL (each segment percent-encoded as S3 expects). */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * A minimal S3 client: path-style SigV4 requests (signed by `aws4fetch`) through the tracking HTTP
 * transport (retries, readable errors). Uploads stream from disk with `x-amz-content-sha256: UNSIGNED-PAYLOAD`.
 */
export class S3Client {
  readonly options: ResolvedS3Options;
  private readonly http: MlflowHttp;
  constructor(options: S3Options = {}, env: TrackingEnv = process.env) {
    this.options = resolveS3Options(options, env);
    const o = this.options;
    const https = o.endpointUrl.startsWith('https:');
    const base =
      options.fetch ??
      (https && o.ignoreTls
        ? createTlsFetch({ rejectUnauthorized: false })
        : https && o.ca
          ? createTlsFetch({ ca: o.ca })
          : (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init));
    const signing: FetchLike = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (!headers.has('x-amz-content-sha256')) headers.set('x-amz-content-sha256', 'UNSIGNED-PAYLOAD');
      const signer = new AwsV4Signer({
        method: init?.method ?? 'GET',
        url: String(input),
        headers,
        accessKeyId: o.accessKeyId,
        secretAccessKey: o.secretAccessKey,
        sessionToken: o.sessionToken,
        service: 's3',
        region: o.region,
      });
      const signed = await signer.sign();
      return base(signed.url.toString(), { ...init, headers: signed.headers });
    };
    this.http = new MlflowHttp({
      ...options.http,
      env,
      fetch: signing,
      auth: null,
      settings: { urlVariable: 'MLFLOW_S3_ENDPOINT_URL', caVariable: 'AWS_CA_BUNDLE' },
    });
  }

  /** The path-style URL of a bucket or object. */
  url(bucket: string, key = ''): string {
    return `${this.options.endpointUrl}/${encodeURIComponent(bucket)}${key ? `/${encodeKey(key)}` : ''}`;
  }

  /** True when the bucket exists (HEAD bucket). */
  async bucketExists(bucket: string): Promise<boolean> {
    const res = await this.http.send({ method: 'HEAD', url: this.url(bucket), okStatuses: [404] });
    await res.body?.cancel();
    return res.status !== 404;
  }

  /** Creates the bucket if it does not exist (the seed's `configure_minio`). Returns true if it was created. */
  async ensureBucket(bucket: string): Promise<boolean> {
    if (await this.bucketExists(bucket)) return false;
    const res = await this.http.send({ method: 'PUT', url: this.url(bucket), okStatuses: [409] });
    await res.body?.cancel();
    return res.status !== 409;
  }

  /** PUT one object from bytes or a file (streamed). */
  async putObject(
    bucket: string,
    key: string,
    body: { bytes: Uint8Array } | { file: string; size: number },
    contentType?: string,
  ): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': contentType ?? guessContentType(key) };
    let factory: () => BodyLike;
    if ('bytes' in body) {
      const bytes = body.bytes;
      headers['Content-Length'] = String(bytes.byteLength);
      factory = () => bytes;
    } else {
      const file = body.file;
      headers['Content-Length'] = String(body.size);
      factory = () => Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    }
    const res = await this.http.send({ method: 'PUT', url: this.url(bucket, key), headers, body: factory });
    await res.body?.cancel();
  }

  /** GET one object as a stream; `undefined` when it does not exist. */
  async getObject(bucket: string, key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const res = await this.http.send({ method: 'GET', url: this.url(bucket, key), okStatuses: [404] });
    if (res.status === 404 || res.body === null) {
      await res.body?.cancel();
      return undefined;
    }
    return res.body;
  }

  /** ListObjectsV2 with a delimiter: the objects and sub-prefixes directly under `prefix`. */
  async listObjects(
    bucket: string,
    prefix: string,
    delimiter = '/',
  ): Promise<{ objects: { key: string; size: number }[]; prefixes: string[] }> {
    const objects: { key: string; size: number }[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ 'list-type': '2', prefix, delimiter });
      if (token !== undefined) q.set('continuation-token', token);
      const res = await this.http.send({ method: 'GET', url: `${this.url(bucket)}?${q.toString()}` });
      const xml = await res.text();
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = /<Key>([\s\S]*?)<\/Key>/.exec(m[1] ?? '')?.[1];
        const size = /<Size>(\d+)<\/Size>/.exec(m[1] ?? '')?.[1];
        if (key !== undefined) objects.push({ key: xmlUnescape(key), size: Number(size ?? 0) });
      }
      for (const m of xml.matchAll(/<CommonPrefixes>\s*<Prefix>([\s\S]*?)<\/Prefix>\s*<\/CommonPrefixes>/g)) {
        prefixes.push(xmlUnescape(m[1] ?? ''));
      }
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated
        ? /<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1]
        : undefined;
      if (truncated && token === undefined) {
        throw new MlflowError(
          `S3 listing of ${bucket}/${prefix} is truncated without a continuation token`,
          'INVALID_RESPONSE',
          res.status,
        );
      }
    } while (token !== undefined);
    return { objects, prefixes };
  }
}

/** Splits `s3://bucket/prefix` into bucket and key prefix (without trailing `/`). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) throw new ConfigError(`not an s3:// URI: '${uri}' (expected s3://<bucket>/<path>)`);
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/\/+$/, '') };
}

/**
 * Artifacts straight in S3/MinIO (`s3://mlflow/<exp>/<run>/artifacts`, the csc-mlops stack's
 * `--default-artifact-root s3://mlflow`): the client uploads to the object store itself, path-style,
 * with SigV4; the tracking server never sees the bytes.
 */
export class S3ArtifactRepository extends BaseArtifactRepository {
  readonly bucket: string;
  readonly prefix: string;
  constructor(
    artifactUri: string,
    readonly s3: S3Client,
  ) {
    super(artifactUri);
    const { bucket, prefix } = parseS3Uri(artifactUri);
    this.bucket = bucket;
    this.prefix = prefix;
  }

  private key(path: string): string {
    return joinArtifactPath(this.prefix, normalizeArtifactPath(path));
  }

  protected putFile(path: string, localFile: string, size: number): Promise<void> {
    return this.s3.putObject(this.bucket, this.key(path), { file: localFile, size });
  }

  putBytes(path: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data;
    return this.s3.putObject(this.bucket, this.key(path), { bytes });
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const dirKey = this.key(rel);
    const prefix = dirKey === '' ? '' : `${dirKey}/`;
    const { objects, prefixes } = await this.s3.listObjects(this.bucket, prefix);
    const out: FileInfo[] = [];
    for (const p of prefixes)
      out.push({ path: joinArtifactPath(rel, p.slice(prefix.length).replace(/\/$/, '')), is_dir: true });
    for (const o of objects) {
      const name = o.key.slice(prefix.length);
      if (name === '') continue;
      out.push({ path: joinArtifactPath(rel, name), is_dir: false, file_size: o.size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  protected async openRead(path: string): Promise<ReadableStream<Uint8Array>> {
    const s = await this.s3.getObject(this.bucket, this.key(path));
    if (s === undefined) throw artifactNotFound(this.artifactUri, path);
    return s;
  }
}
