import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlflowError } from '../../src/errors.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { dumpFlatYaml, parseFlatYaml } from '../../src/tracking/meta-yaml.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-mlruns-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.push(`${relative(root, p).split(sep).join('/')}/`);
        await visit(p);
      } else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  await visit(root);
  return out.sort();
}

describe('FileStore layout (MLflow FileStore, checked file by file)', () => {
  it('writes exactly the files MLflow writes, with the same contents', async () => {
    const root = join(dir, 'mlruns');
    const store = new FileStore(root);
    const expId = await store.createExperiment('unet', { tags: [{ key: 'team', value: 'csc' }] });
    expect(expId).toMatch(/^\d{18}$/);
    const run = await store.createRun({
      experimentId: expId,
      runName: 'first run',
      startTime: 1700000000000,
      userId: 'alice',
      tags: [{ key: 'mlflow.user', value: 'alice' }],
    });
    const runId = run.info.run_id;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    await store.logBatch(runId, {
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'note', value: 'two\nlines' },
      ],
      tags: [{ key: 'mlflow.source.git.commit', value: 'abc123' }],
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 1700000000100, step: 0 },
        { key: 'loss', value: NaN, timestamp: 1700000000200, step: 1 },
        { key: 'val/acc', value: 1e-7, timestamp: 1700000000300, step: 0 },
        { key: 'loss', value: Infinity, timestamp: 1700000000400, step: 2 },
      ],
    });
    const repo = store.artifactRepository(run.info.artifact_uri);
    await repo.putBytes('model/model.json', '{}');
    await store.updateRun(runId, { status: 'FINISHED', endTime: 1700000009999 });

    expect(await walk(root)).toEqual(
      [
        '.trash/',
        '0/',
        '0/meta.yaml',
        `${expId}/`,
        `${expId}/meta.yaml`,
        `${expId}/tags/`,
        `${expId}/tags/team`,
        `${expId}/${runId}/`,
        `${expId}/${runId}/meta.yaml`,
        `${expId}/${runId}/artifacts/`,
        `${expId}/${runId}/artifacts/model/`,
        `${expId}/${runId}/artifacts/model/model.json`,
        `${expId}/${runId}/metrics/`,
        `${expId}/${runId}/metrics/loss`,
        `${expId}/${runId}/metrics/val/`,
        `${expId}/${runId}/metrics/val/acc`,
        `${expId}/${runId}/params/`,
        `${expId}/${runId}/params/lr`,
        `${expId}/${runId}/params/note`,
        `${expId}/${runId}/tags/`,
        `${expId}/${runId}/tags/mlflow.runName`,
        `${expId}/${runId}/tags/mlflow.source.git.commit`,
        `${expId}/${runId}/tags/mlflow.user`,
      ].sort(),
    );

    const rootUri = pathToFileURL(root).href;
    const default0 = await readFile(join(root, '0', 'meta.yaml'), 'utf8');
    expect(default0).toMatch(
      new RegExp(
        `^artifact_location: ${rootUri}/0\ncreation_time: \\d{13}\nexperiment_id: '0'\nlast_update_time: \\d{13}\nlifecycle_stage: active\nname: Default\n$`,
      ),
    );
    const expMeta = await readFile(join(root, expId, 'meta.yaml'), 'utf8');
    expect(expMeta).toMatch(
      new RegExp(
        `^artifact_location: ${rootUri}/${expId}\ncreation_time: \\d{13}\nexperiment_id: '${expId}'\nlast_update_time: \\d{13}\nlifecycle_stage: active\nname: unet\n$`,
      ),
    );
    expect(await readFile(join(root, expId, 'tags', 'team'), 'utf8')).toBe('csc');
    const runMeta = await readFile(join(root, expId, runId, 'meta.yaml'), 'utf8');
    expect(runMeta).toBe(
      [
        `artifact_uri: ${rootUri}/${expId}/${runId}/artifacts`,
        'end_time: 1700000009999',
        "entry_point_name: ''",
        `experiment_id: '${expId}'`,
        'lifecycle_stage: active',
        `run_id: ${runId}`,
        'run_name: first run',
        `run_uuid: ${runId}`,
        "source_name: ''",
        'source_type: 4',
        "source_version: ''",
        'start_time: 1700000000000',
        'status: 3',
        'tags: []',
        'user_id: alice',
        '',
      ].join('\n'),
    );
    const dirOf = join(root, expId, runId);
    expect(await readFile(join(dirOf, 'metrics', 'loss'), 'utf8')).toBe(
      '1700000000100 0.5 0\n1700000000200 NaN 1\n1700000000400 Infinity 2\n',
    );
    expect(await readFile(join(dirOf, 'metrics', 'val', 'acc'), 'utf8')).toBe('1700000000300 1e-7 0\n');
    expect(await readFile(join(dirOf, 'params', 'lr'), 'utf8')).toBe('0.01');
    expect(await readFile(join(dirOf, 'params', 'note'), 'utf8')).toBe('two\nlines');
    expect(await readFile(join(dirOf, 'tags', 'mlflow.runName'), 'utf8')).toBe('first run');
    expect(await readFile(join(dirOf, 'artifacts', 'model', 'model.json'), 'utf8')).toBe('{}');
  });

  it('reads back what it wrote (run, latest metrics, history) and searches', async () => {
    const store = new FileStore(join(dir, 'mlruns'));
    const expId = await store.createExperiment('e');
    const a = await store.createRun({ experimentId: expId, runName: 'a', startTime: 1 });
    const b = await store.createRun({ experimentId: expId, runName: 'b', startTime: 2 });
    await store.logBatch(a.info.run_id, {
      params: [{ key: 'lr', value: '0.1' }],
      metrics: [
        { key: 'loss', value: 3, timestamp: 5, step: 0 },
        { key: 'loss', value: 2, timestamp: 6, step: 1 },
      ],
    });
    await store.logBatch(b.info.run_id, {
      params: [{ key: 'lr', value: '0.01' }],
      metrics: [{ key: 'loss', value: 1, timestamp: 5, step: 0 }],
    });
    const got = await store.getRun(a.info.run_id);
    expect(got.data.metrics).toEqual([{ key: 'loss', value: 2, timestamp: 6, step: 1 }]);
    expect(got.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect((await store.getMetricHistory(a.info.run_id, 'loss')).map((m) => m.value)).toEqual([3, 2]);
    expect((await store.searchRuns({ experimentIds: [expId] })).items.map((r) => r.info.run_name)).toEqual([
      'b',
      'a',
    ]);
    expect(
      (await store.searchRuns({ experimentIds: [expId], orderBy: ['metrics.loss DESC'] })).items.map(
        (r) => r.info.run_name,
      ),
    ).toEqual(['a', 'b']);
    expect(
      (await store.searchRuns({ experimentIds: [expId], filter: "params.lr = '0.01'" })).items.map(
        (r) => r.info.run_name,
      ),
    ).toEqual(['b']);
    const p = await store.searchRuns({ experimentIds: [expId], maxResults: 1 });
    expect(p.items).toHaveLength(1);
    const p2 = await store.searchRuns({
      experimentIds: [expId],
      maxResults: 1,
      pageToken: p.nextPageToken ?? '',
    });
    expect(p2.items[0]?.info.run_name).toBe('a');
    expect(p2.nextPageToken).toBeUndefined();
    expect((await store.getExperimentByName('e'))?.experiment_id).toBe(expId);
    expect(await store.getExperimentByName('nope')).toBeUndefined();
    expect((await store.searchExperiments()).items.map((e) => e.name).sort()).toEqual(['Default', 'e']);
  });

  it('enforces MLflow rules: immutable params, duplicate experiments, deleted runs, bad keys', async () => {
    const store = new FileStore(join(dir, 'mlruns'));
    const expId = await store.createExperiment('e');
    await expect(store.createExperiment('e')).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS' });
    const r = await store.createRun({ experimentId: expId });
    expect(r.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    await store.logParam(r.info.run_id, 'lr', '1');
    await store.logParam(r.info.run_id, 'lr', '1');
    await expect(store.logParam(r.info.run_id, 'lr', '2')).rejects.toThrow(
      /Changing param values is not allowed/,
    );
    await expect(store.logParam(r.info.run_id, '../escape', '2')).rejects.toBeInstanceOf(MlflowError);
    await expect(store.getRun('0'.repeat(32))).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    await store.deleteRun(r.info.run_id);
    await expect(store.logMetric(r.info.run_id, 'x', 1)).rejects.toThrow(/'active' state/);
    const meta = parseFlatYaml(await readFile(join(await store.runDir(r.info.run_id), 'meta.yaml'), 'utf8'));
    expect(meta.lifecycle_stage).toBe('deleted');
    expect(typeof meta.deleted_time).toBe('number');
    await store.deleteExperiment(expId);
    expect(await readdir(join(dir, 'mlruns', '.trash'))).toEqual([expId]);
    expect((await store.getExperiment(expId)).lifecycle_stage).toBe('deleted');
  });

  it('serialises concurrent writes to one run (no lost metric lines) and leaves no temp files', async () => {
    const store = new FileStore(join(dir, 'mlruns'));
    const r = await store.createRun({ experimentId: '0' });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.logMetric(r.info.run_id, 'm', i, { step: i, timestamp: i })),
    );
    const hist = await store.getMetricHistory(r.info.run_id, 'm');
    expect(hist.map((m) => m.step).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await walk(join(dir, 'mlruns'))).filter((p) => p.includes('.tmp-'))).toEqual([]);
  });

  it('reads a store written by Python MLflow (int status, quoted ids, 2-field metric lines)', async () => {
    const root = join(dir, 'mlruns');
    const runDir = join(root, '1', 'a'.repeat(32));
    await mkdir(join(runDir, 'metrics'), { recursive: true });
    await mkdir(join(runDir, 'params'), { recursive: true });
    await mkdir(join(runDir, 'tags'), { recursive: true });
    await mkdir(join(root, '0'), { recursive: true });
    await writeFile(
      join(root, '0', 'meta.yaml'),
      dumpFlatYaml({
        artifact_location: 'file:///x/0',
        creation_time: 1,
        experiment_id: '0',
        last_update_time: 1,
        lifecycle_stage: 'active',
        name: 'Default',
      }),
    );
    await writeFile(
      join(root, '1', 'meta.yaml'),
      "artifact_location: s3://mlflow/1\ncreation_time: 1700000000000\nexperiment_id: '1'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: seg\n",
    );
    await writeFile(
      join(runDir, 'meta.yaml'),
      `artifact_uri: s3://mlflow/1/${'a'.repeat(32)}/artifacts\nend_time: 1700000000500\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: ${'a'.repeat(32)}\nrun_name: unique-crab-137\nrun_uuid: ${'a'.repeat(32)}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 4\ntags: []\nuser_id: root\n`,
    );
    await writeFile(join(runDir, 'metrics', 'loss'), '1700000000001 0.25\n1700000000002 nan 1\n');
    await writeFile(join(runDir, 'params', 'lr'), '0.1');
    const store = new FileStore(root);
    const run = await store.getRun('a'.repeat(32));
    expect(run.info).toMatchObject({
      status: 'FAILED',
      experiment_id: '1',
      run_name: 'unique-crab-137',
      end_time: 1700000000500,
      user_id: 'root',
    });
    const hist = await store.getMetricHistory('a'.repeat(32), 'loss');
    expect(hist[0]).toEqual({ key: 'loss', value: 0.25, timestamp: 1700000000001, step: 0 });
    expect(Number.isNaN(hist[1]?.value)).toBe(true);
    expect((await store.getExperimentByName('seg'))?.artifact_location).toBe('s3://mlflow/1');
  });
});

describe('meta.yaml through the yaml package (YAML 1.1)', () => {
  it('quotes what PyYAML would read as another type and round-trips', () => {
    const obj = {
      a: '0',
      b: '',
      c: 'plain-name',
      d: 'yes',
      e: "it's: here",
      f: null,
      g: 12,
      h: [] as [],
      i: 'line\nbreak',
      j: 'file:///x/y',
    };
    const text = dumpFlatYaml(obj);
    expect(text).toBe(
      // PyYAML reads every line back as written (checked with PyYAML 6); it would spell e and i differently
      "a: '0'\nb: ''\nc: plain-name\nd: 'yes'\ne: \"it's: here\"\nf: null\ng: 12\nh: []\ni: 'line\n\n  break'\nj: file:///x/y\n",
    );
    expect(parseFlatYaml(text)).toEqual(obj);
  });

  it('leaves strings plain unless PyYAML would resolve them to another type', () => {
    const obj = {
      id: '15998c364717e1fdf616bb49660b2ecb',
      e: '1e5',
      oct: '0123',
      hex: '0x1f',
      date: '2024-01-31',
      f: '1.5',
      bool: 'Off',
      neg: '-3',
    };
    const text = dumpFlatYaml(obj);
    expect(text).toBe(
      "bool: 'Off'\ndate: '2024-01-31'\ne: '1e5'\nf: '1.5'\nhex: '0x1f'\nid: 15998c364717e1fdf616bb49660b2ecb\nneg: '-3'\noct: '0123'\n",
    );
    expect(parseFlatYaml(text)).toEqual(obj);
  });
});

describe('meta.yaml as MLflow (PyYAML) writes it', () => {
  it('reads single-quoted, plain and empty-list values, and refuses what is not a mapping', () => {
    const text =
      "artifact_location: file:///tmp/mlruns/0\ncreation_time: 1700000000000\nexperiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\ntags: []\nnote: 'it''s here'\n";
    expect(parseFlatYaml(text)).toEqual({
      artifact_location: 'file:///tmp/mlruns/0',
      creation_time: 1700000000000,
      experiment_id: '0',
      last_update_time: 1700000000000,
      lifecycle_stage: 'active',
      name: 'Default',
      tags: [],
      note: "it's here",
    });
    expect(parseFlatYaml('')).toEqual({});
    expect(() => parseFlatYaml('- a\n- b\n')).toThrow(/expected a mapping/);
    expect(() => parseFlatYaml('a: [unclosed\n')).toThrow(/not a valid MLflow meta.yaml/);
  });
});
