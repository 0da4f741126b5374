/** Runs a tsx child script under `ulimit -f <blocks>` (writes past the limit fail with EFBIG). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Runs `script` (relative to this folder) with a file size limit of `kib` KiB; resolves its stdout. */
export async function runWithFileSizeLimit(script: string, args: string[], kib: number): Promise<string> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const quoted = [process.execPath, '--import', 'tsx', path, ...args].map(
    (a) => `'${a.replace(/'/g, "'\\''")}'`,
  );
  // dash and bash count `ulimit -f` in 1024-byte blocks. Node ignores SIGXFSZ, so writes fail with EFBIG.
  const { stdout } = await promisify(execFile)('/bin/sh', [
    '-c',
    `ulimit -f ${kib} && exec ${quoted.join(' ')}`,
  ]);
  return stdout;
}
