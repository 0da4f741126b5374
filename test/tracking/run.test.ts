import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, MlflowError } from '../../src/errors.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import { guardedRunCount } from '../../src/tracking/run-guard.js';
import { createTrackingStore, startRun } from '../../src/tracking/start-run.js';
import { startMlflowStandIn } from './mlflow-stand-in.js';
import type { MlflowStandIn } from './mlflow-stand-in.js';

const here = dirname(fileURLToPath(import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
let server: MlflowStandIn;
let dir: string;

function client(): MlflowClient {
  return new MlflowClient({
    trackingUri: server.url,
    env: {},
    retry: { maxRetries: 2, backoffMs: 1, jitterMs: 0 },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  server = await startMlflowStandIn();
});
afterEach(async () => {
  await server.close();
  expect(guardedRunCount()).toBe(0);
});

describe('Run against a tracking server', () => {
  it('logs params, buffered metrics, tags and artifacts, then ends FINISHED', async () => {
    const run = await startRun({
      store: client(),
      experimentName: 'demo',
      runName: 'r',
      tags: { stage: 'dev' },
      gitTags: false,
      env: {},
      flushIntervalMs: 0,
    });
    await run.logParams({ lr: 0.001, layers: [32, 16], augment: true });
    run.logMetrics({ loss: 0.9, dice: 0.1 }, { step: 0 });
    run.logMetric('loss', 0.5, { step: 1 });
    expect(server.calls('runs/log-batch').length).toBe(1); // only the params so far: metrics are buffered
    await run.flush();
    await run.setTags({ note: 'x' });
    await writeFile(join(dir, 'report.txt'), 'hello');
    await run.logArtifact(join(dir, 'report.txt'), 'reports');
    await run.logDict({ a: 1 }, 'cfg/config.json');
    await run.end();
    await run.end(); // no-op
    const got = await client().getRun(run.id);
    expect(got.info.status).toBe('FINISHED');
    expect(got.info.end_time).toBeGreaterThanOrEqual(got.info.start_time);
    expect(got.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.001' },
        { key: 'layers', value: '[32,16]' },
        { key: 'augment', value: 'true' },
      ]),
    );
    expect(got.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'stage', value: 'dev' },
        { key: 'note', value: 'x' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
      ]),
    );
    expect((await client().getMetricHistory(run.id, 'loss')).map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.5],
    ]);
    expect(server.artifacts.get(`1/${run.id}/artifacts/reports/report.txt`)?.toString()).toBe('hello');
    expect(() => run.logMetric('late', 1)).toThrow(/has ended/);
    const created = server.calls('runs/create')[0]?.json as { tags: { key: string }[] };
    expect(created.tags.map((t) => t.key)).toEqual(
      expect.arrayContaining(['mlflow.user', 'mlflow.source.name', 'mlflow.source.type', 'stage']),
    );
  });

  it('1500 metrics in one flush go out as two log-batch requests (1000 + 500)', async () => {
    const run = await startRun({
      store: client(),
      gitTags: false,
      env: {},
      flushEvery: 10_000,
      flushIntervalMs: 0,
    });
    for (let i = 0; i < 1500; i++) run.logMetric('m', i, { step: i });
    expect(server.calls('runs/log-batch')).toHaveLength(0);
    await run.end();
    const sizes = server
      .calls('runs/log-batch')
      .map((r) => (r.json as { metrics: unknown[] }).metrics.length);
    expect(sizes).toEqual([1000, 500]);
    expect(server.state.runs.get(run.id)?.metrics).toHaveLength(1500);
  });

  it('flushes in the background every flushEvery points and logs NaN as NaN', async () => {
    const run = await startRun({
      store: client(),
      gitTags: false,
      env: {},
      flushEvery: 100,
      flushIntervalMs: 0,
    });
    for (let i = 0; i < 250; i++) run.logMetric('m', i === 7 ? NaN : i, { step: i });
    // two background flushes of 100 happen without awaiting anything; the last 50 wait for end()
    await vi.waitFor(() => expect(server.calls('runs/log-batch').length).toBe(2), {
      timeout: 10_000,
      interval: 10,
    });
    await run.end();
    const hist = await client().getMetricHistory(run.id, 'm');
    expect(hist).toHaveLength(250);
    expect(Number.isNaN(hist[7]?.value)).toBe(true);
  });

  it('a failed background flush surfaces at end(), and the status is still recorded', async () => {
    const errors: unknown[] = [];
    const run = await startRun({
      store: client(),
      gitTags: false,
      env: {},
      flushEvery: 2,
      flushIntervalMs: 0,
      onError: (e) => errors.push(e),
    });
    server.addFault({
      path: '/api/2.0/mlflow/runs/log-batch',
      status: 401,
      body: '<html><head><title>401 Authorization Required</title></head></html>',
    });
    run.logMetric('a', 1);
    run.logMetric('a', 2);
    await expect(run.end()).rejects.toBeInstanceOf(MlflowError);
    expect(errors).toHaveLength(1);
    expect(server.state.runs.get(run.id)?.info.status).toBe('FINISHED');
  });

  it('validates metric values at logMetric time', async () => {
    const run = await startRun({ store: client(), gitTags: false, env: {}, flushIntervalMs: 0 });
    expect(() => run.logMetric('x', '1' as unknown as number)).toThrow(/must be a number/);
    expect(() => run.logMetric('bad key!', 1)).toThrow(/alphanumerics/);
    expect(() => run.logMetric('x', 1, { step: 1.5 })).toThrow(/step/);
    await run.end();
  });

  it('use(): FINISHED on success, FAILED when the function throws', async () => {
    const ok = await startRun({ store: client(), gitTags: false, env: {}, flushIntervalMs: 0 });
    expect(await ok.use(async (r) => (r.logMetric('a', 1), 42))).toBe(42);
    expect(server.state.runs.get(ok.id)?.info.status).toBe('FINISHED');
    const bad = await startRun({ store: client(), gitTags: false, env: {}, flushIntervalMs: 0 });
    await expect(
      bad.use(() => {
        throw new Error('diverged');
      }),
    ).rejects.toThrow('diverged');
    expect(server.state.runs.get(bad.id)?.info.status).toBe('FAILED');
  });

  it('nested runs carry mlflow.parentRunId and the parent source tags', async () => {
    const parent = await startRun({
      store: client(),
      experimentName: 'cv',
      gitTags: false,
      env: {},
      flushIntervalMs: 0,
    });
    const folds = [];
    for (let k = 0; k < 2; k++) {
      const child = await parent.startChildRun({ runName: `fold-${k}` });
      child.logMetric('dice', 0.8 + k / 100);
      folds.push(child);
    }
    const other = await startRun({
      store: client(),
      parentRunId: parent.id,
      experimentName: 'cv',
      gitTags: false,
      env: { MLFLOW_RUN_ID: parent.id },
      flushIntervalMs: 0,
    });
    expect(other.id).not.toBe(parent.id); // a nested run is created even when MLFLOW_RUN_ID is set
    await other.end();
    for (const f of folds) await f.end();
    await parent.end();
    const runs = await client().searchRuns({
      experimentIds: [parent.experimentId],
      filter: `tags.mlflow.parentRunId = '${parent.id}'`,
    });
    expect(runs.items.map((r) => r.info.run_name).sort()).toEqual(
      ['fold-0', 'fold-1', other.info.run_name].sort(),
    );
    const child0 = runs.items.find((r) => r.info.run_name === 'fold-0');
    expect(child0?.data.tags).toContainEqual({ key: 'mlflow.source.type', value: 'LOCAL' });
  });

  it('attaches to MLFLOW_RUN_ID instead of creating a second run', async () => {
    const c = client();
    const first = await c.createRun({ experimentId: '0', runName: 'outer' });
    await c.updateRun(first.info.run_id, { status: 'SCHEDULED' });
    const env = {
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_RUN_ID: first.info.run_id,
      MLFLOW_EXPERIMENT_ID: '0',
    };
    const run = await startRun({ env, gitTags: false, flushIntervalMs: 0 });
    expect(run.id).toBe(first.info.run_id);
    expect(run.attached).toBe(true);
    expect(server.calls('runs/create')).toHaveLength(1);
    expect(server.state.runs.get(run.id)?.info.status).toBe('RUNNING');
    run.logMetric('x', 1);
    await run.end();
    expect(server.state.runs.get(run.id)?.info.status).toBe('FINISHED');
    await expect(
      startRun({ env: { ...env, MLFLOW_EXPERIMENT_ID: '5' }, gitTags: false }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(
      startRun({ env: { ...env, MLFLOW_RUN_ID: 'f'.repeat(32) }, gitTags: false }),
    ).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('honours MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_NAME', async () => {
    const run = await startRun({
      env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_EXPERIMENT_NAME: 'from-env' },
      gitTags: false,
      flushIntervalMs: 0,
    });
    await run.end();
    expect((await client().getExperimentByName('from-env'))?.experiment_id).toBe(run.experimentId);
  });
});

describe('tracking store selection', () => {
  it('no tracking URI → ./mlruns FileStore; file: and paths → FileStore; http → MlflowClient', () => {
    const s = createTrackingStore(undefined, { env: {} });
    expect(s).toBeInstanceOf(FileStore);
    expect((s as FileStore).root).toBe(join(process.cwd(), 'mlruns'));
    expect(createTrackingStore(pathToFileURL(join(dir, 'x')).href, { env: {} })).toBeInstanceOf(FileStore);
    expect(createTrackingStore(undefined, { env: { MLFLOW_TRACKING_URI: server.url } })).toBeInstanceOf(
      MlflowClient,
    );
    expect(() => createTrackingStore('sqlite:///mlflow.db', { env: {} })).toThrow(/not supported/);
  });
});

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  runId: string;
}

function runChild(
  mode: string,
  env: Record<string, string>,
  onReady?: (pid: number) => void,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, join(here, 'helpers', 'run-child.ts'), mode],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (onReady && /READY [0-9a-f]{32}\n/.test(stdout)) {
        const cb = onReady;
        onReady = undefined;
        cb(child.pid ?? 0);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, runId: /READY ([0-9a-f]{32})/.exec(stdout)?.[1] ?? '' }),
    );
  });
}

describe('process-level run endings (child processes)', () => {
  // the four children start together (each spends most of its time compiling TypeScript)
  let own: MlflowStandIn;
  const results: Record<string, ChildResult> = {};
  beforeAll(async () => {
    own = await startMlflowStandIn();
    const [crash, reject, sigint, forget] = await Promise.all([
      runChild('throw', { MLFLOW_TRACKING_URI: pathToFileURL(join(dir, 'mlruns-crash')).href }),
      runChild('reject', { MLFLOW_TRACKING_URI: own.url }),
      runChild('wait', { MLFLOW_TRACKING_URI: own.url }, (pid) => process.kill(pid, 'SIGINT')),
      runChild('forget', { MLFLOW_TRACKING_URI: join(dir, 'mlruns-forget') }),
    ]);
    Object.assign(results, { crash, reject, sigint, forget });
  });
  afterAll(async () => {
    await own.close();
  });

  it('an uncaught exception marks the run FAILED and the process exits 1 with the error', async () => {
    const r = results.crash as ChildResult;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/boom from the training loop/);
    const run = await new FileStore(join(dir, 'mlruns-crash')).getRun(r.runId);
    expect(run.info.status).toBe('FAILED');
    expect(run.data.metrics).toEqual([expect.objectContaining({ key: 'child_metric', value: 1.5 })]);
  });

  it('an unhandled rejection marks the run FAILED (server backend)', () => {
    const r = results.reject as ChildResult;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rejected in the training loop/);
    expect(own.state.runs.get(r.runId)?.info.status).toBe('FAILED');
  });

  it('Ctrl-C (SIGINT) marks the run KILLED and the process still dies of SIGINT', () => {
    const r = results.sigint as ChildResult;
    expect(r.signal).toBe('SIGINT');
    expect(own.state.runs.get(r.runId)?.info.status).toBe('KILLED');
    expect(own.state.runs.get(r.runId)?.info.end_time).toBeGreaterThan(0);
  });

  it('a script that never calls end() finishes its run at exit, metrics flushed', async () => {
    const r = results.forget as ChildResult;
    expect(r.code).toBe(0);
    const store = new FileStore(join(dir, 'mlruns-forget'));
    expect((await store.getRun(r.runId)).info.status).toBe('FINISHED');
    expect((await store.getMetricHistory(r.runId, 'child_metric')).map((m) => m.value)).toEqual([1.5, 2.5]);
    expect(await readFile(join(await store.runDir(r.runId), 'meta.yaml'), 'utf8')).toMatch(/status: 3/);
  });
});
