import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authFromEnv } from '../../src/tracking/env.js';
import { MlflowError } from '../../src/errors.js';
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import type { MlflowClientOptions } from '../../src/tracking/mlflow-client.js';
import { nginxPage, startMlflowStandIn } from './mlflow-stand-in.js';
import type { MlflowStandIn } from './mlflow-stand-in.js';

let server: MlflowStandIn;
const waits: number[] = [];
const fastSleep = async (ms: number) => {
  waits.push(ms);
};

function client(extra: MlflowClientOptions = {}): MlflowClient {
  return new MlflowClient({
    trackingUri: server.url,
    env: {},
    sleep: fastSleep,
    retry: { maxRetries: 3, backoffMs: 100, maxBackoffMs: 1000, jitterMs: 0 },
    ...extra,
  });
}

async function newRun(c: MlflowClient, name = 'exp') {
  const id = (await c.getExperimentByName(name))?.experiment_id ?? (await c.createExperiment(name));
  return c.createRun({ experimentId: id, runName: 'r1' });
}

beforeEach(async () => {
  waits.length = 0;
  server = await startMlflowStandIn();
});
afterEach(async () => {
  await server.close();
});

describe('MlflowClient: experiments and runs', () => {
  it('gets by name (undefined when missing), creates, gets and searches experiments', async () => {
    const c = client();
    expect(await c.getExperimentByName('demo')).toBeUndefined();
    const id = await c.createExperiment('demo', {
      artifactLocation: 's3://mlflow/demo',
      tags: [{ key: 'team', value: 'csc' }],
    });
    const e = await c.getExperimentByName('demo');
    expect(e?.experiment_id).toBe(id);
    expect(e?.artifact_location).toBe('s3://mlflow/demo');
    expect(e?.tags).toEqual([{ key: 'team', value: 'csc' }]);
    expect((await c.getExperiment(id)).name).toBe('demo');
    const page = await c.searchExperiments({ filter: "name = 'demo'" });
    expect(page.items.map((x) => x.experiment_id)).toEqual([id]);
    const dup = await c.createExperiment('demo').catch((err: unknown) => err);
    expect(dup).toBeInstanceOf(MlflowError);
    expect((dup as MlflowError).errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect((dup as MlflowError).status).toBe(400);
  });

  it('creates runs with start_time and run_name, updates and reads them back', async () => {
    const c = client();
    const before = Date.now();
    const run = await newRun(c);
    expect(run.info.run_name).toBe('r1');
    expect(run.info.status).toBe('RUNNING');
    expect(run.info.start_time).toBeGreaterThanOrEqual(before);
    expect(run.info.artifact_uri).toBe(
      `mlflow-artifacts:/${run.info.experiment_id}/${run.info.run_id}/artifacts`,
    );
    const body = server.calls('runs/create')[0]?.json as Record<string, unknown>;
    expect(typeof body.start_time).toBe('number');
    const info = await c.updateRun(run.info.run_id, { status: 'FINISHED', endTime: before + 5 });
    expect(info.status).toBe('FINISHED');
    expect(info.end_time).toBe(before + 5);
    const got = await c.getRun(run.info.run_id);
    expect(got.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'r1' });
  });

  it('searches runs with a filter, ordering and page tokens', async () => {
    const c = client();
    const id = await c.createExperiment('s');
    for (let i = 0; i < 5; i++) {
      const r = await c.createRun({ experimentId: id, runName: `r${i}`, startTime: 1000 + i });
      await c.logBatch(r.info.run_id, {
        params: [{ key: 'lr', value: i % 2 ? '0.1' : '0.01' }],
        metrics: [{ key: 'loss', value: 5 - i, timestamp: 1, step: 0 }],
      });
    }
    const p1 = await c.searchRuns({ experimentIds: [id], maxResults: 2, orderBy: ['metrics.loss ASC'] });
    expect(p1.items.map((r) => r.info.run_name)).toEqual(['r4', 'r3']);
    expect(p1.nextPageToken).toBeDefined();
    const all: string[] = [];
    for await (const r of c.iterateRuns({ experimentIds: [id], maxResults: 2 })) all.push(r.info.run_name);
    expect(all).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    const filtered = await c.searchRuns({
      experimentIds: [id],
      filter: "params.lr = '0.01' and metrics.loss < 4",
    });
    expect(filtered.items.map((r) => r.info.run_name).sort()).toEqual(['r2', 'r4']);
  });
});

describe('MlflowClient: logging', () => {
  it('splits 1500 metrics, 150 params and 120 tags into requests within the server limits', async () => {
    const c = client();
    const run = await newRun(c);
    const metrics = Array.from({ length: 1500 }, (_, i) => ({
      key: `m${i % 7}`,
      value: i,
      timestamp: 1000 + i,
      step: i,
    }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: 'x' }));
    await c.logBatch(run.info.run_id, { metrics, params, tags });
    const calls = server
      .calls('runs/log-batch')
      .map((r) => r.json as { metrics: unknown[]; params: unknown[]; tags: unknown[] });
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const b of calls) {
      expect(b.metrics.length).toBeLessThanOrEqual(1000);
      expect(b.params.length).toBeLessThanOrEqual(100);
      expect(b.tags.length).toBeLessThanOrEqual(100);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(calls.every((r, i) => server.calls('runs/log-batch')[i]?.status === 200)).toBe(true);
    const stored = server.state.runs.get(run.info.run_id);
    expect(stored?.metrics.length).toBe(1500);
    expect(stored?.params.size).toBe(150);
    expect(stored?.tags.size).toBe(121); // + mlflow.runName
    const hist = await c.getMetricHistory(run.info.run_id, 'm3');
    expect(hist.map((m) => m.step)).toEqual(metrics.filter((m) => m.key === 'm3').map((m) => m.step));
  });

  it('the stand-in rejects an over-limit batch exactly as MLflow does', async () => {
    const c = client();
    const run = await newRun(c);
    const res = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        run_id: run.info.run_id,
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'a', value: i, timestamp: 0, step: i })),
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
    });
  });

  it('keeps log-batch bodies under 1 MB with long param and tag values', async () => {
    const c = client();
    const run = await newRun(c);
    const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v'.repeat(6000) }));
    const tags = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'é'.repeat(5000) }));
    await c.logBatch(run.info.run_id, { params, tags });
    const calls = server.calls('runs/log-batch');
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((r) => r.status === 200 && r.bodyBytes < 1_000_000)).toBe(true);
  });

  it('encodes NaN and ±Infinity as MLflow expects (JSON null is rejected by the server)', async () => {
    const c = client();
    const run = await newRun(c);
    const raw = await fetch(`${server.url}/api/2.0/mlflow/runs/log-metric`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_id: run.info.run_id, key: 'x', value: NaN, timestamp: 0 }),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { message: string }).message).toMatch(
      /Missing value for required parameter 'value'/,
    );

    await c.logMetric(run.info.run_id, 'loss', NaN, { step: 0, timestamp: 0 });
    await c.logBatch(run.info.run_id, {
      metrics: [
        { key: 'loss', value: Infinity, timestamp: 1, step: 1 },
        { key: 'loss', value: -Infinity, timestamp: 2, step: 2 },
      ],
    });
    const sent = server.calls('runs/log-batch')[0]?.json as { metrics: { value: unknown }[] };
    expect(sent.metrics.map((m) => m.value)).toEqual(['Infinity', '-Infinity']);
    expect((server.calls('runs/log-metric').at(-1)?.json as { value: unknown }).value).toBe('NaN');
    // the history comes sorted by timestamp
    const hist = await c.getMetricHistory(run.info.run_id, 'loss');
    expect(Number.isNaN(hist[0]?.value)).toBe(true);
    // the SQL store clamps ±Inf to ±DBL_MAX
    expect(hist.slice(1).map((m) => m.value)).toEqual([1.7976931348623157e308, -1.7976931348623157e308]);
  });

  it('params are immutable: same value is fine, a new value is INVALID_PARAMETER_VALUE', async () => {
    const c = client();
    const run = await newRun(c);
    await c.logParam(run.info.run_id, 'lr', '0.01');
    await c.logParam(run.info.run_id, 'lr', '0.01');
    const err = await c.logParam(run.info.run_id, 'lr', '0.02').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((err as MlflowError).message).toMatch(/Changing param values is not allowed/);
  });

  it("follows the server's /version for the tag value limit: 5000 on MLflow 2.9, 8000 on 3.x", async () => {
    const c = client();
    const run = await newRun(c);
    expect(await c.maxTagValueLength()).toBe(5000);
    const n = server.requests.length;
    await expect(c.setTag(run.info.run_id, 't', 'x'.repeat(5001))).rejects.toThrow(/at most 5000/);
    expect(server.requests.length).toBe(n);
    await c.setTag(run.info.run_id, 't', 'x'.repeat(5000));
    const v3 = await startMlflowStandIn({ version: '3.1.0' });
    try {
      const c3 = new MlflowClient({ trackingUri: v3.url, env: {} });
      const run3 = await newRun(c3);
      await c3.setTag(run3.info.run_id, 't', 'x'.repeat(8000));
      await expect(c3.setTag(run3.info.run_id, 't', 'x'.repeat(8001))).rejects.toThrow(/at most 8000/);
      expect(v3.calls('runs/set-tag').map((r) => r.status)).toEqual([200]);
      // read once per client
      expect(v3.requests.filter((r) => r.path === '/version')).toHaveLength(1);
    } finally {
      await v3.close();
    }
    expect(await client({ maxTagValueLength: 100 }).maxTagValueLength()).toBe(100);
  });

  it('validates keys and values client-side before sending', async () => {
    const c = client();
    const run = await newRun(c);
    const n = server.requests.length;
    await expect(c.logMetric(run.info.run_id, 'k'.repeat(251), 1)).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await expect(c.logParam(run.info.run_id, 'bad*name', '1')).rejects.toThrow(/alphanumerics/);
    await expect(c.logParam(run.info.run_id, 'a/../b', '1')).rejects.toThrow(/resolve/);
    await expect(c.logParam(run.info.run_id, 'p', 'x'.repeat(6001))).rejects.toThrow(/6000/);
    await expect(
      c.logBatch(run.info.run_id, { metrics: [{ key: 'a', value: 1, timestamp: 0.5, step: 0 }] }),
    ).rejects.toThrow(/timestamp/);
    expect(server.requests.length).toBe(n);
    // and the server enforces the same limits on its own
    const res = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_id: run.info.run_id, params: [{ key: 'k'.repeat(251), value: '1' }] }),
    });
    expect(res.status).toBe(400);
    const tag = await fetch(`${server.url}/api/2.0/mlflow/runs/set-tag`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_id: run.info.run_id, key: 't', value: 'x'.repeat(5001) }),
    });
    expect(tag.status).toBe(400);
  });

  it('the stand-in requires Content-Type: application/json on POST', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      body: JSON.stringify({ name: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Bad Request. Content-Type must be one of ['application/json'].",
    });
  });
});

describe('MlflowClient: faults', () => {
  it('turns an HTML 404 from an unknown endpoint into a readable MlflowError', async () => {
    const c = client();
    const err = await c.http
      .json({ method: 'GET', url: `${server.url}/api/2.0/mlflow/experiments/list` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).status).toBe(404);
    expect((err as MlflowError).errorCode).toBe('HTTP_404');
    expect((err as MlflowError).message).toMatch(/404 Not Found/);
    expect((err as MlflowError).message).toMatch(/MLFLOW_TRACKING_URI/);
    expect((err as MlflowError).message).not.toMatch(/<html/);
  });

  it('401 from nginx basic auth: readable error without credentials, works with Basic from the environment', async () => {
    await server.close();
    server = await startMlflowStandIn({ auth: { username: 'alice', password: 's3cret' } });
    const err = await client()
      .createExperiment('x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).status).toBe(401);
    expect((err as MlflowError).message).toMatch(/401 Authorization Required/);
    expect((err as MlflowError).message).toMatch(/MLFLOW_TRACKING_USERNAME/);
    expect(server.requests.length).toBe(1); // 401 is not retried
    const c = client({ env: { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret' } });
    expect(await c.createExperiment('x')).toMatch(/^\d+$/);
    const wrong = await client({
      env: { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 'nope' },
    })
      .createExperiment('y')
      .catch((e: unknown) => e);
    expect((wrong as MlflowError).message).toMatch(/credentials were rejected/);
  });

  it('401 from MLflow basic-auth app (plain text) and Bearer tokens', async () => {
    await server.close();
    server = await startMlflowStandIn({ auth: { username: 'bob', password: 'pw' }, authStyle: 'mlflow' });
    const err = await client()
      .getExperimentByName('x')
      .catch((e: unknown) => e);
    expect((err as MlflowError).message).toMatch(/You are not authenticated/);
    await server.close();
    server = await startMlflowStandIn({ auth: { token: 'tok-123' } });
    const c = client({ env: { MLFLOW_TRACKING_TOKEN: 'tok-123' } });
    expect(await c.getExperimentByName('Default')).toBeDefined();
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer tok-123');
  });

  it('500 then success: retried with backoff, succeeds, data logged once', async () => {
    const c = client();
    const run = await newRun(c);
    server.addFault({
      path: '/api/2.0/mlflow/runs/log-batch',
      status: 500,
      body: '{"error_code":"INTERNAL_ERROR","message":"db hiccup"}',
      contentType: 'application/json',
    });
    await c.logBatch(run.info.run_id, { metrics: [{ key: 'a', value: 1, timestamp: 1, step: 0 }] });
    expect(server.calls('runs/log-batch').map((r) => r.status)).toEqual([500, 200]);
    expect(server.state.runs.get(run.info.run_id)?.metrics.length).toBe(1);
    expect(waits).toEqual([100]);
  });

  it('gives up after the retry budget with bounded waits, and honours Retry-After', async () => {
    const c = client();
    server.addFault({
      path: '/api/2.0/mlflow/experiments/create',
      status: 502,
      body: nginxPage(502, 'Bad Gateway'),
      times: 4,
    });
    const err = await c.createExperiment('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).message).toMatch(/502 Bad Gateway \(nginx\/1\.22\.1\)/);
    expect((err as MlflowError).message).toMatch(/after 4 attempts/);
    expect(waits).toEqual([100, 200, 400]);
    waits.length = 0;
    server.addFault({
      path: '/api/2.0/mlflow/experiments/create',
      status: 429,
      body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}',
      contentType: 'application/json',
      headers: { 'Retry-After': '30' },
    });
    await c.createExperiment('y');
    expect(waits).toEqual([1000]); // Retry-After 30 s capped at maxBackoffMs
  });

  it('413 HTML from nginx on a large artifact upload is a readable error', async () => {
    await server.close();
    server = await startMlflowStandIn({ maxBodyBytes: 1024 });
    const c = client();
    const run = await newRun(c);
    const repo = c.artifactRepository(run.info.artifact_uri);
    await repo.putBytes('small.txt', 'ok');
    const err = await repo.putBytes('big.bin', new Uint8Array(4096)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).status).toBe(413);
    expect((err as MlflowError).message).toMatch(/413 Request Entity Too Large/);
    expect((err as MlflowError).message).toMatch(/client_max_body_size/);
  });

  it('network errors are retried then reported as NETWORK_ERROR', async () => {
    const url = server.url;
    await server.close();
    const c = new MlflowClient({
      trackingUri: url,
      env: {},
      sleep: fastSleep,
      retry: { maxRetries: 2, backoffMs: 1, jitterMs: 0 },
    });
    const err = await c.getExperiment('0').catch((e: unknown) => e);
    expect((err as MlflowError).errorCode).toBe('NETWORK_ERROR');
    expect((err as MlflowError).message).toMatch(/after 3 attempt/);
    server = await startMlflowStandIn();
  });

  it('a JSON-expecting call that gets a 200 HTML page (UI or login) says so', async () => {
    const c = client();
    server.addFault({
      path: '/api/2.0/mlflow/experiments/get',
      status: 200,
      body: '<!doctype html><html><head><title>Sign in</title></head></html>',
    });
    const err = await c.getExperiment('0').catch((e: unknown) => e);
    expect((err as MlflowError).errorCode).toBe('INVALID_RESPONSE');
    expect((err as MlflowError).message).toMatch(/Sign in/);
  });
});

describe('MlflowClient: configuration', () => {
  it('reads MLFLOW_TRACKING_URI, keeps a path prefix, and takes credentials from the URI', async () => {
    await server.close();
    server = await startMlflowStandIn({ prefix: '/mlflow', auth: { username: 'u', password: 'p w' } });
    const withCreds = server.url.replace('http://', 'http://u:p%20w@');
    const c = new MlflowClient({ env: { MLFLOW_TRACKING_URI: `${withCreds}/` } });
    expect(c.trackingUri).toBe(server.url);
    expect(await c.health()).toBe(true);
    expect(await c.version()).toBe('2.9.2.dev0');
    expect((await c.getExperimentByName('Default'))?.experiment_id).toBe('0');
  });

  it('finds credentials in ~/.mlflow/credentials when the environment has none', async () => {
    const home = await mkdtemp(join(tmpdir(), 'csc-home-'));
    try {
      await mkdir(join(home, '.mlflow'));
      await writeFile(
        join(home, '.mlflow', 'credentials'),
        '[mlflow]\nmlflow_tracking_username = carol\nmlflow_tracking_password = pa;ss#word\n',
      );
      expect(authFromEnv({}, home)).toEqual({ username: 'carol', password: 'pa;ss#word' });
      expect(authFromEnv({ MLFLOW_TRACKING_TOKEN: 't' }, home)).toEqual({ token: 't' });
      expect(authFromEnv({}, join(home, 'nope'))).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const c = client({
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await c.getExperimentByName('Default');
    expect(seen).toEqual([`${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`]);
  });

  it('rejects missing or non-http tracking URIs with ConfigError', () => {
    expect(() => new MlflowClient({ env: {} })).toThrow(/MLFLOW_TRACKING_URI/);
    expect(() => new MlflowClient({ trackingUri: 'file:///tmp/mlruns', env: {} })).toThrow(/FileStore/);
    expect(
      () => new MlflowClient({ trackingUri: 'http://x', env: { MLFLOW_TRACKING_USERNAME: 'a' } }),
    ).toThrow(/MLFLOW_TRACKING_PASSWORD/);
  });
});

describe('MlflowClient: model registry', () => {
  it('creates models and versions, transitions stages and sets aliases', async () => {
    const c = client();
    const run = await newRun(c);
    await c.createRegisteredModel('seg', { description: 'unet' });
    expect(await c.getRegisteredModel('nope')).toBeUndefined();
    await expect(c.createRegisteredModel('seg')).rejects.toMatchObject({
      errorCode: 'RESOURCE_ALREADY_EXISTS',
    });
    const v1 = await c.createModelVersion('seg', `${run.info.artifact_uri}/model`, {
      runId: run.info.run_id,
    });
    const v2 = await c.createModelVersion('seg', `${run.info.artifact_uri}/model`, {
      runId: run.info.run_id,
    });
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    await c.transitionModelVersionStage('seg', '1', 'production');
    const moved = await c.transitionModelVersionStage('seg', '2', 'Production', true);
    expect(moved.current_stage).toBe('Production');
    expect((await c.getModelVersion('seg', '1')).current_stage).toBe('Archived');
    await c.setRegisteredModelAlias('seg', 'champion', '2');
    expect((await c.getModelVersionByAlias('seg', 'champion')).version).toBe('2');
    await c.deleteRegisteredModelAlias('seg', 'champion');
    expect((await c.updateRegisteredModel('seg', 'new')).description).toBe('new');
    expect((await c.searchRegisteredModels({ filter: "name LIKE 'se%'" })).items.map((m) => m.name)).toEqual([
      'seg',
    ]);
    await c.deleteRegisteredModel('seg');
    expect(await c.getRegisteredModel('seg')).toBeUndefined();
  });
});
