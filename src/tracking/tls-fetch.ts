import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { type TlsOptions, createTlsFetch } from '../http/tls-fetch.js';
import { envFlag } from './env.js';
import type { TrackingEnv } from './env.js';
import type { FetchLike } from './mlflow-http.js';

export { createTlsFetch, type TlsOptions } from '../http/tls-fetch.js';

/**
 * The TLS fetch MLflow's environment asks for, if any: `MLFLOW_TRACKING_INSECURE_TLS`,
 * `MLFLOW_TRACKING_SERVER_CERT_PATH`, `MLFLOW_TRACKING_CLIENT_CERT_PATH`. `undefined` when none is set.
 */
export function tlsFetchFromEnv(env: TrackingEnv = process.env): FetchLike | undefined {
  const insecure = envFlag(env.MLFLOW_TRACKING_INSECURE_TLS);
  const caPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH;
  const certPath = env.MLFLOW_TRACKING_CLIENT_CERT_PATH;
  if (!insecure && !caPath && !certPath) return undefined;
  if (insecure && caPath) {
    throw new ConfigError(
      'MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH cannot both be set',
    );
  }
  const read = (name: string, p: string) => {
    try {
      return readFileSync(p);
    } catch (e) {
      throw new ConfigError(
        `${name}=${p}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        { cause: e },
      );
    }
  };
  const opts: TlsOptions = { rejectUnauthorized: !insecure };
  if (caPath) opts.ca = read('MLFLOW_TRACKING_SERVER_CERT_PATH', caPath);
  if (certPath) {
    const pem = read('MLFLOW_TRACKING_CLIENT_CERT_PATH', certPath);
    opts.cert = pem;
    if (/PRIVATE KEY-----/.test(pem.toString('utf8'))) opts.key = pem;
  }
  return createTlsFetch(opts);
}
