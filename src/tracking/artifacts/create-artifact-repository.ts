import { ConfigError } from '../../errors.js';
import type { TrackingEnv } from '../env.js';
import type { MlflowHttp } from '../mlflow-http.js';
import type { ArtifactRepository } from './artifact-repository.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';
import { MlflowArtifactsRepository } from './mlflow-artifacts-repository.js';
import { S3ArtifactRepository, S3Client } from './s3-artifact-repository.js';
import type { S3Options } from './s3-artifact-repository.js';

/** What {@link createArtifactRepository} needs to reach each kind of artifact store. */
export interface ArtifactStoreOptions {
  /** Tracking server URI and transport, for `mlflow-artifacts:` roots. */
  tracking?: { uri: string; http: MlflowHttp };
  /** Object store settings for `s3://` roots (else from the environment). */
  s3?: S3Options;
  env?: TrackingEnv;
}

/**
 * The artifact repository for an artifact URI: `file:` or a local path, `mlflow-artifacts:`
 * (the server's proxy) or `s3://` (S3/MinIO directly).
 * @throws ConfigError for other schemes (`gs://`, `wasbs://`, `hdfs://` … are not supported)
 */
export function createArtifactRepository(
  artifactUri: string,
  options: ArtifactStoreOptions = {},
): ArtifactRepository {
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    if (!options.tracking) {
      throw new ConfigError(
        `artifact URI ${artifactUri} needs a tracking server (set MLFLOW_TRACKING_URI to the MLflow server)`,
      );
    }
    return new MlflowArtifactsRepository(artifactUri, options.tracking.uri, options.tracking.http);
  }
  if (artifactUri.startsWith('s3://')) {
    return new S3ArtifactRepository(artifactUri, new S3Client(options.s3, options.env ?? process.env));
  }
  if (
    artifactUri.startsWith('file:') ||
    artifactUri.startsWith('/') ||
    !/^[a-z][a-z0-9+.-]*:/i.test(artifactUri)
  ) {
    return new LocalArtifactRepository(artifactUri);
  }
  throw new ConfigError(
    `unsupported artifact store '${artifactUri}': csc-mlops supports file:, mlflow-artifacts: and s3:// artifact roots`,
  );
}
