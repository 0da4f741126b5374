import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, MlflowError } from '../errors.js';
import type { ArtifactRepository } from './artifacts/artifact-repository.js';
import { createArtifactRepository } from './artifacts/create-artifact-repository.js';
import type { S3Options } from './artifacts/s3-artifact-repository.js';
import { removeAbandonedTempFiles, writeFileAtomic } from './atomic-write.js';
import type { LogBatch } from './batch.js';
import type { TrackingEnv } from './env.js';
import {
  MLFLOW_LIMITS,
  validateKey,
  validateMetric,
  validateParamValue,
  validateTagValue,
} from './limits.js';
import { decodeMetricValue } from './metric-value.js';
import { generateRunName } from './run-name.js';
import {
  decodePageToken,
  encodePageToken,
  parseSearchFilter,
  runMatches,
  sortRuns,
} from './search-filter.js';
import type { TrackingStore } from './tracking-store.js';
import type {
  CreateRunOptions,
  Metric,
  MlflowExperiment,
  MlflowRun,
  Page,
  RunInfo,
  RunStatus,
  RunTag,
  SearchExperimentsOptions,
  SearchRunsOptions,
  UpdateRunOptions,
} from './types.js';
import { RUN_STATUSES } from './types.js';
import { dumpFlatYaml, parseFlatYaml } from './meta-yaml.js';
import type { FlatYamlValue } from './meta-yaml.js';

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** Object store settings for experiments whose artifact location is `s3://`. */
  s3?: S3Options;
  env?: TrackingEnv;
}

const META = 'meta.yaml';
const RUN_ID = /^[0-9a-f]{32}$/;

function fail(message: string, code = 'INVALID_PARAMETER_VALUE', status = 400): MlflowError {
  return new MlflowError(message, code, status);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Reads a folder of key files (`params/`, `tags/`, `metrics/`), keys with `/` from sub-folders. */
async function readKeyFiles(dir: string): Promise<{ key: string; path: string }[]> {
  const out: { key: string; path: string }[] = [];
  const visit = async (d: string, prefix: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.includes('.tmp-')) continue;
      const key = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(join(d, e.name), key);
      else if (e.isFile()) out.push({ key, path: join(d, e.name) });
    }
  };
  await visit(dir, '');
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function parseMetricLines(key: string, text: string): Metric[] {
  const out: Metric[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || f[0] === '') continue;
    out.push({
      key,
      timestamp: Number(f[0]),
      value: decodeMetricValue(f[1]),
      step: f.length >= 3 ? Number(f[2]) : 0,
    });
  }
  return out;
}

/** Formats a metric value so Python's `float()` reads it back (`NaN`, `Infinity`, `-Infinity`, `1e-7`). */
function formatValue(v: number): string {
  return String(v);
}

/**
 * MLflow's local tracking store: a `./mlruns` folder in the FileStore layout, readable by `mlflow ui` /
 * `mlflow server --backend-store-uri ./mlruns` (MLflow ≤ 3.12; 3.13+ needs `MLFLOW_ALLOW_FILE_STORE=true`).
 *
 * Layout: `<root>/<exp>/meta.yaml`, `<exp>/tags/<key>`, `<exp>/<run>/meta.yaml`,
 * `<run>/{metrics,params,tags}/<key>` (keys with `/` become sub-folders), `<run>/artifacts/…`,
 * `<root>/.trash/` for deleted experiments. Every file is written to a temporary name and renamed into
 * place; metric files are rewritten whole (old lines + new) the same way, so no reader sees a partial
 * line. Writes to one run are serialised within the process.
 */
export class FileStore implements TrackingStore {
  readonly root: string;
  readonly trackingUri: string;
  private readonly s3: S3Options | undefined;
  private readonly env: TrackingEnv;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly runDirs = new Map<string, { dir: string; expDir: string }>();
  private initialised: Promise<void> | undefined;

  /** @param root folder or `file:` URI of the store (default `./mlruns`). */
  constructor(root: string = 'mlruns', options: FileStoreOptions = {}) {
    const path = root.startsWith('file:') ? fileURLToPath(root) : root;
    this.root = isAbsolute(path) ? path : resolve(path);
    this.trackingUri = pathToFileURL(this.root).href;
    this.s3 = options.s3;
    this.env = options.env ?? process.env;
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  /** Creates the root, `.trash` and the `Default` experiment (ID `0`) if missing. */
  init(): Promise<void> {
    this.initialised ??= (async () => {
      await mkdir(join(this.root, '.trash'), { recursive: true });
      // What killed writers left: readers skip temporary names, but `mlflow ui` would list them.
      await removeAbandonedTempFiles(this.root, { recursive: true, skip: ['artifacts'] });
      if (!(await exists(join(this.root, '0', META))) && !(await exists(join(this.root, '.trash', '0')))) {
        await this.writeExperiment('0', 'Default', undefined, []);
      }
    })();
    return this.initialised;
  }

  private async writeExperiment(
    id: string,
    name: string,
    artifactLocation: string | undefined,
    tags: RunTag[],
  ): Promise<void> {
    const now = Date.now();
    const dir = join(this.root, id);
    await mkdir(dir, { recursive: true });
    for (const t of tags) await writeFileAtomic(join(dir, 'tags', ...t.key.split('/')), t.value);
    await writeFileAtomic(
      join(dir, META),
      dumpFlatYaml({
        artifact_location: artifactLocation ?? pathToFileURL(dir).href,
        creation_time: now,
        experiment_id: id,
        last_update_time: now,
        lifecycle_stage: 'active',
        name,
      }),
    );
  }

  private async readExperimentDir(dir: string): Promise<MlflowExperiment | undefined> {
    const text = await readText(join(dir, META));
    if (text === undefined) return undefined;
    const m = parseFlatYaml(text);
    const tags: RunTag[] = [];
    for (const f of await readKeyFiles(join(dir, 'tags')))
      tags.push({ key: f.key, value: await readFile(f.path, 'utf8') });
    const e: MlflowExperiment = {
      experiment_id: String(m.experiment_id),
      name: String(m.name ?? ''),
      artifact_location: String(m.artifact_location ?? ''),
      lifecycle_stage: m.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      tags,
    };
    if (typeof m.creation_time === 'number') e.creation_time = m.creation_time;
    if (typeof m.last_update_time === 'number') e.last_update_time = m.last_update_time;
    return e;
  }

  private async allExperiments(): Promise<{ e: MlflowExperiment; dir: string }[]> {
    await this.init();
    const out: { e: MlflowExperiment; dir: string }[] = [];
    for (const base of [this.root, join(this.root, '.trash')]) {
      let entries;
      try {
        entries = await readdir(base, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of entries) {
        if (!d.isDirectory() || d.name === '.trash' || d.name.startsWith('.')) continue;
        const e = await this.readExperimentDir(join(base, d.name));
        if (e) out.push({ e, dir: join(base, d.name) });
      }
    }
    return out;
  }

  private async experimentDir(id: string): Promise<{ e: MlflowExperiment; dir: string }> {
    if (!/^[0-9A-Za-z_-]+$/.test(id)) throw fail(`Invalid experiment ID '${id}'`);
    await this.init();
    for (const base of [this.root, join(this.root, '.trash')]) {
      const e = await this.readExperimentDir(join(base, id));
      if (e) return { e, dir: join(base, id) };
    }
    throw fail(`Could not find experiment with ID ${id}`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }

  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    return (await this.allExperiments()).find((x) => x.e.name === name)?.e;
  }

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: RunTag[] } = {},
  ): Promise<string> {
    if (typeof name !== 'string' || name.trim() === '')
      throw new ConfigError('experiment name must be a non-empty string');
    if (name.length > MLFLOW_LIMITS.maxExperimentNameLength) {
      throw fail(
        `experiment name has ${name.length} characters; MLflow allows at most ${MLFLOW_LIMITS.maxExperimentNameLength}`,
      );
    }
    for (const t of options.tags ?? []) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value);
    }
    return this.serial('experiments', async () => {
      const existing = (await this.allExperiments()).find((x) => x.e.name === name);
      if (existing) {
        throw fail(
          `Experiment '${name}' already exists${existing.e.lifecycle_stage === 'deleted' ? ' in deleted state (restore it or remove it from .trash)' : ''}.`,
          'RESOURCE_ALREADY_EXISTS',
        );
      }
      let id: string;
      do {
        id = String(
          BigInt(randomInt(100_000_000, 999_999_999)) * 1_000_000_000n + BigInt(randomInt(0, 999_999_999)),
        );
      } while ((await exists(join(this.root, id))) || (await exists(join(this.root, '.trash', id))));
      await this.writeExperiment(id, name, options.artifactLocation, options.tags ?? []);
      return id;
    });
  }

  async getExperiment(experimentId: string): Promise<MlflowExperiment> {
    return (await this.experimentDir(experimentId)).e;
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<MlflowExperiment>> {
    const view = options.viewType ?? 'ACTIVE_ONLY';
    let list = (await this.allExperiments())
      .map((x) => x.e)
      .filter(
        (e) =>
          view === 'ALL' ||
          (view === 'DELETED_ONLY' ? e.lifecycle_stage === 'deleted' : e.lifecycle_stage === 'active'),
      );
    const filter = options.filter?.trim() ?? '';
    if (filter !== '') {
      const m = /^(?:attributes\.)?name\s*(=|LIKE|ILIKE)\s*'([^']*)'$/i.exec(filter);
      if (!m)
        throw fail(
          `FileStore supports experiment filters of the form name = '…' or name LIKE '…', got '${filter}'`,
        );
      const op = (m[1] ?? '=').toUpperCase();
      const v = m[2] ?? '';
      const re = new RegExp(
        `^${v
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        op === 'ILIKE' ? 'i' : '',
      );
      list = list.filter((e) => (op === '=' ? e.name === v : re.test(e.name)));
    }
    list.sort(
      (a, b) =>
        (b.creation_time ?? 0) - (a.creation_time ?? 0) || (a.experiment_id < b.experiment_id ? 1 : -1),
    );
    const offset = decodePageToken(options.pageToken);
    const max = options.maxResults ?? 1000;
    const page: Page<MlflowExperiment> = { items: list.slice(offset, offset + max) };
    if (offset + max < list.length) page.nextPageToken = encodePageToken(offset + max);
    return page;
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateKey('tag', key);
    validateTagValue(key, value);
    const { dir } = await this.experimentDir(experimentId);
    await writeFileAtomic(join(dir, 'tags', ...key.split('/')), value);
  }

  /** Marks an experiment deleted and moves it to `.trash`, as MLflow does. */
  async deleteExperiment(experimentId: string): Promise<void> {
    if (experimentId === '0') throw fail('Cannot delete the default experiment ID 0');
    const { dir } = await this.experimentDir(experimentId);
    const meta = parseFlatYaml((await readText(join(dir, META))) ?? '');
    await writeFileAtomic(
      join(dir, META),
      dumpFlatYaml({ ...meta, lifecycle_stage: 'deleted', last_update_time: Date.now() }),
    );
    if (!dir.startsWith(join(this.root, '.trash')))
      await rename(dir, join(this.root, '.trash', experimentId));
  }

  // ---- runs -------------------------------------------------------------------------------------

  private async findRunDir(runId: string): Promise<{ dir: string; expDir: string }> {
    if (!RUN_ID.test(runId)) throw fail(`Invalid run ID '${runId}' (expected 32 hex characters)`);
    await this.init();
    const cached = this.runDirs.get(runId);
    if (cached && (await exists(join(cached.dir, META)))) return cached;
    for (const x of await this.allExperiments()) {
      const dir = join(x.dir, runId);
      if (await exists(join(dir, META))) {
        const found = { dir, expDir: x.dir };
        this.runDirs.set(runId, found);
        return found;
      }
    }
    throw fail(`Run '${runId}' not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }

  private async readRunInfo(dir: string): Promise<RunInfo> {
    const m = parseFlatYaml((await readText(join(dir, META))) ?? '');
    const status =
      typeof m.status === 'number' ? RUN_STATUSES[m.status - 1] : (m.status as RunStatus | undefined);
    const runId = String(m.run_id ?? m.run_uuid);
    return {
      run_id: runId,
      run_uuid: String(m.run_uuid ?? runId),
      run_name: typeof m.run_name === 'string' ? m.run_name : '',
      experiment_id: String(m.experiment_id),
      user_id: m.user_id === null || m.user_id === undefined ? '' : String(m.user_id),
      status: status ?? 'RUNNING',
      start_time: typeof m.start_time === 'number' ? m.start_time : 0,
      end_time: typeof m.end_time === 'number' ? m.end_time : null,
      artifact_uri: String(m.artifact_uri ?? ''),
      lifecycle_stage: m.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    };
  }

  private async writeRunInfo(
    dir: string,
    info: RunInfo,
    extra: Record<string, FlatYamlValue> = {},
  ): Promise<void> {
    const old = parseFlatYaml((await readText(join(dir, META))) ?? '');
    await writeFileAtomic(
      join(dir, META),
      dumpFlatYaml({
        entry_point_name: '',
        source_name: '',
        source_type: 4,
        source_version: '',
        tags: [],
        ...old,
        artifact_uri: info.artifact_uri,
        end_time: info.end_time ?? null,
        experiment_id: info.experiment_id,
        lifecycle_stage: info.lifecycle_stage,
        run_id: info.run_id,
        run_name: info.run_name,
        run_uuid: info.run_uuid,
        start_time: info.start_time,
        status: RUN_STATUSES.indexOf(info.status) + 1,
        user_id: info.user_id,
        ...extra,
      }),
    );
  }

  async createRun(options: CreateRunOptions): Promise<MlflowRun> {
    const { e, dir: expDir } = await this.experimentDir(options.experimentId);
    if (e.lifecycle_stage !== 'active')
      throw fail(
        `The experiment ${e.experiment_id} must be in the 'active' state. Current state is deleted.`,
      );
    const tags = options.tags ?? [];
    for (const t of tags) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value);
    }
    const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
    if (options.runName !== undefined && tagName !== undefined && options.runName !== tagName) {
      throw fail(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = options.runName ?? tagName ?? generateRunName();
    const runId = randomBytes(16).toString('hex');
    const dir = join(expDir, runId);
    const info: RunInfo = {
      run_id: runId,
      run_uuid: runId,
      run_name: runName,
      experiment_id: e.experiment_id,
      user_id: options.userId ?? '',
      status: 'RUNNING',
      start_time: options.startTime ?? Date.now(),
      end_time: null,
      artifact_uri: `${e.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    };
    await mkdir(join(dir, 'metrics'), { recursive: true });
    await mkdir(join(dir, 'params'), { recursive: true });
    await mkdir(join(dir, 'tags'), { recursive: true });
    if (info.artifact_uri.startsWith('file:'))
      await mkdir(fileURLToPath(info.artifact_uri), { recursive: true });
    const allTags = [
      ...tags.filter((t) => t.key !== 'mlflow.runName'),
      { key: 'mlflow.runName', value: runName },
    ];
    for (const t of allTags) await writeFileAtomic(join(dir, 'tags', ...t.key.split('/')), t.value);
    await this.writeRunInfo(dir, info);
    return { info, data: { metrics: [], params: [], tags: allTags } };
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    const { dir } = await this.findRunDir(runId);
    return this.serial(runId, async () => {
      const info = await this.readRunInfo(dir);
      if (options.status !== undefined) info.status = options.status;
      if (options.endTime !== undefined) info.end_time = options.endTime;
      if (options.runName !== undefined && options.runName !== '') {
        info.run_name = options.runName;
        await writeFileAtomic(join(dir, 'tags', 'mlflow.runName'), options.runName);
      }
      await this.writeRunInfo(dir, info);
      return info;
    });
  }

  private async latestMetrics(dir: string): Promise<Metric[]> {
    const out: Metric[] = [];
    for (const f of await readKeyFiles(join(dir, 'metrics'))) {
      let best: Metric | undefined;
      for (const m of parseMetricLines(f.key, await readFile(f.path, 'utf8'))) {
        if (!best || m.step > best.step || (m.step === best.step && m.timestamp >= best.timestamp)) best = m;
      }
      if (best) out.push(best);
    }
    return out;
  }

  private async readRun(dir: string): Promise<MlflowRun> {
    const info = await this.readRunInfo(dir);
    const params = await Promise.all(
      (await readKeyFiles(join(dir, 'params'))).map(async (f) => ({
        key: f.key,
        value: await readFile(f.path, 'utf8'),
      })),
    );
    const tags = await Promise.all(
      (await readKeyFiles(join(dir, 'tags'))).map(async (f) => ({
        key: f.key,
        value: await readFile(f.path, 'utf8'),
      })),
    );
    return { info, data: { metrics: await this.latestMetrics(dir), params, tags } };
  }

  async getRun(runId: string): Promise<MlflowRun> {
    return this.readRun((await this.findRunDir(runId)).dir);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<MlflowRun>> {
    const clauses = parseSearchFilter(options.filter);
    const view = options.runViewType ?? 'ACTIVE_ONLY';
    const runs: MlflowRun[] = [];
    for (const id of options.experimentIds) {
      const { dir } = await this.experimentDir(id);
      for (const d of await readdir(dir, { withFileTypes: true })) {
        if (!d.isDirectory() || !RUN_ID.test(d.name) || !(await exists(join(dir, d.name, META)))) continue;
        const r = await this.readRun(join(dir, d.name));
        if (view === 'ACTIVE_ONLY' && r.info.lifecycle_stage !== 'active') continue;
        if (view === 'DELETED_ONLY' && r.info.lifecycle_stage !== 'deleted') continue;
        if (runMatches(r, clauses)) runs.push(r);
      }
    }
    const sorted = sortRuns(runs, options.orderBy);
    const offset = decodePageToken(options.pageToken);
    const max = options.maxResults ?? 1000;
    const page: Page<MlflowRun> = { items: sorted.slice(offset, offset + max) };
    if (offset + max < sorted.length) page.nextPageToken = encodePageToken(offset + max);
    return page;
  }

  async deleteRun(runId: string): Promise<void> {
    const { dir } = await this.findRunDir(runId);
    await this.serial(runId, async () => {
      const info = await this.readRunInfo(dir);
      info.lifecycle_stage = 'deleted';
      await this.writeRunInfo(dir, info, { deleted_time: Date.now() });
    });
  }

  private async activeRunDir(runId: string): Promise<string> {
    const { dir } = await this.findRunDir(runId);
    const info = await this.readRunInfo(dir);
    if (info.lifecycle_stage !== 'active') {
      throw fail(`The run ${runId} must be in the 'active' state. Current state is ${info.lifecycle_stage}.`);
    }
    return dir;
  }

  async logBatch(runId: string, batch: Partial<LogBatch>): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    for (const m of metrics) validateMetric(m.key, m.value, m.timestamp, m.step);
    for (const p of params) {
      validateKey('param', p.key);
      validateParamValue(p.key, p.value);
    }
    for (const t of tags) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value);
    }
    const dir = await this.activeRunDir(runId);
    await this.serial(runId, async () => {
      for (const p of params) {
        const file = join(dir, 'params', ...p.key.split('/'));
        const old = await readText(file);
        if (old !== undefined && old !== p.value) {
          throw fail(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
          );
        }
      }
      for (const p of params) await writeFileAtomic(join(dir, 'params', ...p.key.split('/')), p.value);
      for (const t of tags) {
        await writeFileAtomic(join(dir, 'tags', ...t.key.split('/')), t.value);
        if (t.key === 'mlflow.runName') {
          const info = await this.readRunInfo(dir);
          info.run_name = t.value;
          await this.writeRunInfo(dir, info);
        }
      }
      const byKey = new Map<string, string[]>();
      for (const m of metrics) {
        const lines = byKey.get(m.key) ?? [];
        lines.push(`${m.timestamp} ${formatValue(m.value)} ${m.step}\n`);
        byKey.set(m.key, lines);
      }
      for (const [key, lines] of byKey) {
        const file = join(dir, 'metrics', ...key.split('/'));
        const old = (await readText(file)) ?? '';
        await writeFileAtomic(file, old + (old === '' || old.endsWith('\n') ? '' : '\n') + lines.join(''));
      }
    });
  }

  logMetric(
    runId: string,
    key: string,
    value: number,
    options: { timestamp?: number; step?: number } = {},
  ): Promise<void> {
    return this.logBatch(runId, {
      metrics: [{ key, value, timestamp: options.timestamp ?? Date.now(), step: options.step ?? 0 }],
    });
  }

  logParam(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { params: [{ key, value }] });
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateKey('tag', key);
    const dir = await this.activeRunDir(runId);
    const file = join(dir, 'tags', ...key.split('/'));
    if (!(await exists(file)))
      throw fail(`No tag with name: ${key} in run with id ${runId}`, 'RESOURCE_DOES_NOT_EXIST', 404);
    await rm(file);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key);
    const { dir } = await this.findRunDir(runId);
    const text = await readText(join(dir, 'metrics', ...key.split('/')));
    return text === undefined ? [] : parseMetricLines(key, text);
  }

  artifactRepository(artifactUri: string): ArtifactRepository {
    return createArtifactRepository(artifactUri, { ...(this.s3 ? { s3: this.s3 } : {}), env: this.env });
  }

  /** The local folder of a run (for tests and tools). */
  async runDir(runId: string): Promise<string> {
    return (await this.findRunDir(runId)).dir;
  }
}
