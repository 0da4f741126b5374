/** Runs a tsx child script and kills it with SIGKILL `delayMs` after it prints `ready`. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Result of one run: whether it was killed, and what it printed. */
export interface KilledRun {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `script` (a path relative to this folder) with `args`, kills it `delayMs` after `ready`. */
export function runAndKill(script: string, args: string[], delayMs: number): Promise<KilledRun> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (timer === undefined && stdout.includes('ready\n'))
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ signal, code, stdout, stderr });
    });
  });
}
