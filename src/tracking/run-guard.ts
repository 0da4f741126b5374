import type { RunStatus } from './types.js';

/** Something that can be ended with a status (a {@link Run}). */
export interface Endable {
  end(status?: RunStatus): Promise<void>;
  readonly ended: boolean;
}

const active = new Set<Endable>();
let installed = false;
let handling = false;

async function endAll(status: RunStatus): Promise<void> {
  // children were registered after their parents: end them first
  const runs = [...active].reverse();
  for (const r of runs) {
    try {
      await r.end(status);
    } catch (e) {
      process.stderr.write(
        `csc-mlops: could not mark run ${status}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (handling) return;
  handling = true;
  void endAll('KILLED').finally(() => {
    uninstall();
    // re-raise with the default handler so the exit status says "killed by SIGINT/SIGTERM"
    process.kill(process.pid, signal);
  });
}

function onUncaught(err: unknown, origin: string): void {
  if (handling) return;
  handling = true;
  const others = process.listenerCount('uncaughtException') > 1;
  void endAll('FAILED').finally(() => {
    uninstall();
    handling = false;
    if (others) return;
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`${origin === 'unhandledRejection' ? 'Unhandled rejection: ' : ''}${text}\n`);
    process.exit(1);
  });
}

function onBeforeExit(): void {
  if (handling || active.size === 0) return;
  handling = true;
  void endAll('FINISHED').finally(() => {
    handling = false;
    uninstall();
  });
}

const sigint = () => onSignal('SIGINT');
const sigterm = () => onSignal('SIGTERM');

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  process.on('uncaughtException', onUncaught);
  process.on('beforeExit', onBeforeExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('SIGINT', sigint);
  process.off('SIGTERM', sigterm);
  process.off('uncaughtException', onUncaught);
  process.off('beforeExit', onBeforeExit);
}

/**
 * Watches a run until it ends: Ctrl-C / SIGTERM mark it KILLED (then the signal is re-raised), an
 * uncaught exception or unhandled rejection marks it FAILED (then the error is printed and the process
 * exits 1, unless the application has its own `uncaughtException` handler), and a process that simply
 * runs out of work ends it FINISHED (like Python's `atexit` hook). `process.exit()` cannot be caught.
 */
export function guardRun(run: Endable): void {
  active.add(run);
  install();
}

/** Stops watching a run (called when it ends). */
export function unguardRun(run: Endable): void {
  active.delete(run);
  if (active.size === 0 && !handling) uninstall();
}

/** Number of runs being watched (for tests). */
export function guardedRunCount(): number {
  return active.size;
}
