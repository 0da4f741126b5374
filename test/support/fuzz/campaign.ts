/**
 * Fuzz campaigns over the image readers: inputs are read in a child process (so that a hang or an
 * out-of-memory only costs that child), each within a time and peak-RSS bound. Used by the tier-1
 * fuzz test (a few hundred inputs) and `benchmarks/fuzz-campaign.ts` (minutes).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildReport, ChildTask } from './child.js';
import { type FuzzInput, fuzzInput, hostileInputs } from './inputs.js';

let hostile: Promise<FuzzInput[]> | undefined;

/** Number of fixed hostile inputs that come first in every campaign. */
export async function hostileCount(): Promise<number> {
  return (await (hostile ??= hostileInputs())).length;
}

/** Input `index` of campaign `seed`: the hostile list first, then random mutations. */
export async function inputAt(seed: number, index: number): Promise<FuzzInput> {
  const h = await (hostile ??= hostileInputs());
  return index < h.length ? h[index]! : fuzzInput(seed, index - h.length);
}

/** Options of {@link runFuzzCampaign}. */
export interface CampaignOptions {
  seed: number;
  /** Inputs to read (hostile ones included), or unbounded with `minutes`. */
  count?: number;
  minutes?: number;
  /** Longest time one input may take before it counts as a hang (default 10 s). */
  timeoutMs?: number;
  /** Peak RSS of the child above which an input counts as a memory bomb (default 1500 MB). */
  rssLimitMb?: number;
  /** Where inputs that were not an image or a typed error are saved (with a description). */
  reproDir?: string;
  /** Called after every result. */
  onResult?: (r: CampaignRecord) => void;
}

/** One input's outcome. */
export interface CampaignRecord {
  index: number;
  description: string;
  outcome: 'image' | 'typed' | 'untyped' | 'hang' | 'memory' | 'crash';
  detail?: string;
  ms: number;
}

/** Totals of a campaign; `failures` lists everything that was neither an image nor a typed error. */
export interface CampaignSummary {
  inputs: number;
  images: number;
  typed: number;
  untyped: number;
  hangs: number;
  memory: number;
  crashes: number;
  slowestMs: number;
  failures: CampaignRecord[];
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.ts');

/** Runs a campaign and returns its totals. */
export async function runFuzzCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const deadline = o.minutes === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + o.minutes * 60_000;
  const to = o.count ?? Number.MAX_SAFE_INTEGER;
  const s: CampaignSummary = {
    inputs: 0,
    images: 0,
    typed: 0,
    untyped: 0,
    hangs: 0,
    memory: 0,
    crashes: 0,
    slowestMs: 0,
    failures: [],
  };
  const record = async (r: CampaignRecord): Promise<void> => {
    s.inputs++;
    s.slowestMs = Math.max(s.slowestMs, r.ms);
    if (r.outcome === 'image') s.images++;
    else if (r.outcome === 'typed') s.typed++;
    else {
      s[
        r.outcome === 'untyped'
          ? 'untyped'
          : r.outcome === 'hang'
            ? 'hangs'
            : r.outcome === 'memory'
              ? 'memory'
              : 'crashes'
      ]++;
      s.failures.push(r);
      if (o.reproDir) {
        const input = await inputAt(o.seed, r.index);
        const dir = join(o.reproDir, `seed${o.seed}-input${r.index}`);
        for (const f of input.files) {
          await mkdir(dirname(join(dir, f.name)), { recursive: true });
          await writeFile(join(dir, f.name), f.bytes);
        }
        await writeFile(
          join(dir, 'README.txt'),
          `${input.description}\nkind: ${input.kind}\nread: ${input.read}\noutcome: ${r.outcome}\n${r.detail ?? ''}\n`,
        );
      }
    }
    o.onResult?.(r);
  };

  let next = 0;
  while (next < to && Date.now() < deadline) {
    next = await runChild(o.seed, next, to, deadline, timeoutMs, o.rssLimitMb ?? 1500, record);
  }
  return s;
}

/** Runs one child from `from`; resolves with the index to continue from. */
function runChild(
  seed: number,
  from: number,
  to: number,
  deadline: number,
  timeoutMs: number,
  rssLimitMb: number,
  record: (r: CampaignRecord) => Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(CHILD, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=1024'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    let current: { index: number; description: string; t0: number } | undefined;
    let next = from;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const queue: Promise<void>[] = [];
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      void Promise.all(queue).then(() => resolve(next));
    };
    child.on('message', (m: ChildReport) => {
      if (m.type === 'start') {
        current = { index: m.index, description: m.description, t0: performance.now() };
        clearTimeout(timer);
        timer = setTimeout(() => {
          const c = current!;
          queue.push(
            record({
              index: c.index,
              description: c.description,
              outcome: 'hang',
              ms: timeoutMs,
              detail: `no answer within ${timeoutMs} ms`,
            }),
          );
          next = c.index + 1;
          current = undefined;
          child.kill('SIGKILL');
        }, timeoutMs);
      } else if (m.type === 'result') {
        clearTimeout(timer);
        const c = current!;
        current = undefined;
        next = m.index + 1;
        queue.push(
          record({
            index: m.index,
            description: c.description,
            outcome: m.outcome as CampaignRecord['outcome'],
            ms: m.ms,
            ...(m.detail === undefined ? {} : { detail: m.detail }),
          }),
        );
      }
    });
    child.on('exit', (code, signal) => {
      if (current) {
        const c = current;
        queue.push(
          record({
            index: c.index,
            description: c.description,
            outcome: 'crash',
            ms: performance.now() - c.t0,
            detail: `child exited (${signal ?? code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          }),
        );
        next = c.index + 1;
      }
      if (next === from && !finished) {
        finished = true;
        reject(new Error(`the fuzz child made no progress (${signal ?? code}): ${stderr.trim()}`));
        return;
      }
      finish();
    });
    const task: ChildTask = { seed, from, to, deadline, rssLimitMb };
    child.send(task);
  });
}
