import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The default download cache folder of a source (`xnat`, `dicomweb`): `$CSC_MLOPS_CACHE/{source}`,
 * `$XDG_CACHE_HOME/csc-mlops/{source}` or `~/.cache/csc-mlops/{source}`.
 */
export function defaultCacheDir(
  source: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (env.CSC_MLOPS_CACHE) return join(env.CSC_MLOPS_CACHE, source);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'csc-mlops', source);
  return join(env.HOME || homedir(), '.cache', 'csc-mlops', source);
}
