import { CacheWriteError, describeError } from '../errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * A file-system error met while writing into the download cache, as a {@link CacheWriteError} that
 * says what to do (free space, raise the limit, or pass another cache folder).
 */
export function cacheWriteError(path: string, e: unknown, what = 'the download'): CacheWriteError {
  if (e instanceof CacheWriteError) return e;
  const code = (e as { code?: string })?.code;
  const hint =
    code !== undefined && FULL.has(code)
      ? 'the disk (or the file size limit) is full: free space, or pass another cacheDir'
      : 'check the permissions of the cache folder, or pass another cacheDir';
  return new CacheWriteError(
    `cannot write ${what} to ${path} (${code ?? describeError(e)}): ${hint}`,
    path,
    code,
    { cause: e },
  );
}
