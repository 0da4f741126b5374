import cliProgress from 'cli-progress';

/** A progress display that can be switched off. */
export interface Progress {
  increment(): void;
  stop(): void;
}

/**
 * A cli-progress bar on stderr (`label |████░░| 12/16 ETA 3s`), or nothing when `enabled` is false.
 * cli-progress itself stays silent when stderr is not a terminal (CI logs, tests).
 */
export function createProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || total === 0) return { increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} items, ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
