import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ConfigError, MlflowError } from '../../errors.js';
import type { MlflowHttp } from '../mlflow-http.js';
import type { FileInfo } from '../types.js';
import {
  BaseArtifactRepository,
  artifactNotFound,
  guessContentType,
  joinArtifactPath,
  normalizeArtifactPath,
} from './artifact-repository.js';

function encodePath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

/**
 * Artifacts through the tracking server's artifact proxy (`mlflow server --serve-artifacts`, the default
 * since MLflow 2.0): `mlflow-artifacts:/<exp>/<run>/artifacts` maps to
 * `{tracking URI}/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>` (PUT, GET, list).
 * Uses the tracking client's HTTP transport, so auth, retries and error handling are the same.
 */
export class MlflowArtifactsRepository extends BaseArtifactRepository {
  private readonly base: string;
  private readonly rootPath: string;
  constructor(
    artifactUri: string,
    trackingUri: string,
    private readonly http: MlflowHttp,
  ) {
    super(artifactUri);
    const m = /^mlflow-artifacts:(?:\/\/([^/]*))?(\/.*)?$/.exec(artifactUri);
    if (!m) throw new ConfigError(`not an mlflow-artifacts URI: ${artifactUri}`);
    const tracking = new URL(trackingUri);
    const host = m[1];
    this.base = (host ? `${tracking.protocol}//${host}` : trackingUri).replace(/\/+$/, '');
    this.rootPath = (m[2] ?? '/').replace(/^\/+|\/+$/g, '');
  }

  private url(path: string): string {
    return `${this.base}/api/2.0/mlflow-artifacts/artifacts/${encodePath(joinArtifactPath(this.rootPath, path))}`;
  }

  protected async putFile(path: string, localFile: string, size: number): Promise<void> {
    const res = await this.http.send({
      method: 'PUT',
      url: this.url(path),
      headers: { 'Content-Type': guessContentType(path), 'Content-Length': String(size) },
      body: () => Readable.toWeb(createReadStream(localFile)) as unknown as ReadableStream<Uint8Array>,
    });
    await res.body?.cancel();
  }

  async putBytes(path: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const res = await this.http.send({
      method: 'PUT',
      url: this.url(normalizeArtifactPath(path)),
      headers: { 'Content-Type': guessContentType(path) },
      body: () => bytes,
    });
    await res.body?.cancel();
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const q = new URLSearchParams({ path: joinArtifactPath(this.rootPath, rel) });
    const body = await this.http.json<{
      files?: { path: string; is_dir?: boolean; file_size?: number | string }[];
    }>({
      method: 'GET',
      url: `${this.base}/api/2.0/mlflow-artifacts/artifacts?${q.toString()}`,
    });
    return (body.files ?? []).map((f) => {
      const info: FileInfo = { path: joinArtifactPath(rel, f.path), is_dir: f.is_dir === true };
      if (!info.is_dir && f.file_size !== undefined) info.file_size = Number(f.file_size);
      return info;
    });
  }

  protected async openRead(path: string): Promise<ReadableStream<Uint8Array>> {
    // MLflow 2.9 answers a missing file with 500 INTERNAL_ERROR "... No such file or directory ..."
    const res = await this.http.send({ method: 'GET', url: this.url(path), okStatuses: [404, 500] });
    if (res.status === 500) {
      const text = await res.text();
      if (/No such file or directory|does not exist/i.test(text))
        throw artifactNotFound(this.artifactUri, path);
      throw new MlflowError(
        `GET ${this.url(path)}: HTTP 500 from the MLflow server (${/^\s*</.test(text) ? 'an HTML error page: is the path a folder?' : text.slice(0, 300)})`,
        'INTERNAL_ERROR',
        500,
      );
    }
    if (res.status === 404 || res.body === null) {
      await res.body?.cancel();
      throw artifactNotFound(this.artifactUri, path);
    }
    return res.body;
  }
}
