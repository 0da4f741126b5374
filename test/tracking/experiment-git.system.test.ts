import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { S3Client } from '../../src/tracking/artifacts/s3-artifact-repository.js';
import { Experiment } from '../../src/tracking/experiment.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { checkGitClean, readGitInfo } from '../../src/tracking/git.js';
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3TestServer } from './helpers/s3-test-server.js';
import type { S3TestServer } from './helpers/s3-test-server.js';
import { startMlflowStandIn } from './mlflow-stand-in.js';
import type { MlflowStandIn } from './mlflow-stand-in.js';
import { requireTool } from '../support/require-tool.js';
import { childScript, seedConfig, tsxLoader } from './helpers/seed-config.js';

// The Experiment tests that need the git program (git checks, runs tagged with git, entry points in a
// repository): the system tier, as a Node-only machine may have no git.

const gitEnv = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.org',
};
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...gitEnv },
  }).trim();
}

let base: string;
let repo: string;
let remote: string;

/** A repository with one commit pushed to a bare "remote" (main tracks origin/main). */
async function makeRepo(name: string): Promise<string> {
  const r = join(base, name);
  const bare = join(base, `${name}-remote.git`);
  git(base, 'init', '-q', '--bare', bare);
  git(base, 'init', '-q', '-b', 'main', r);
  await writeFile(join(r, 'train.ts'), 'console.log(1)\n');
  await writeFile(join(r, '.gitignore'), 'node_modules/\n');
  git(r, 'add', '.');
  git(r, 'commit', '-q', '-m', 'init');
  git(r, 'remote', 'add', 'origin', bare);
  git(r, 'push', '-q', '-u', 'origin', 'main');
  remote = bare;
  return r;
}

beforeAll(async () => {
  requireTool('git', 'apt-get install -y git');
  base = await mkdtemp(join(tmpdir(), 'csc-exp-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('git checks', () => {
  beforeEach(async () => {
    repo = await makeRepo(`repo-${Math.random().toString(36).slice(2, 8)}`);
  });

  it('a clean, pushed tree passes and is described by commit, branch and remote', async () => {
    const info = await checkGitClean(join(repo));
    expect(info.commit).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(info.branch).toBe('main');
    expect(info.upstream).toBe('origin/main');
    expect(info.remoteUrl).toBe(remote);
    await mkdir(join(repo, 'sub'));
    expect((await checkGitClean(join(repo, 'sub'))).root).toBe(git(repo, 'rev-parse', '--show-toplevel'));
  });

  it('untracked files (./mlruns) do not count; modified tracked files do', async () => {
    await mkdir(join(repo, 'mlruns', '0'), { recursive: true });
    await writeFile(join(repo, 'mlruns', '0', 'meta.yaml'), 'x');
    await writeFile(join(repo, 'notes.txt'), 'untracked');
    await expect(checkGitClean(repo)).resolves.toBeDefined();
    await writeFile(join(repo, 'train.ts'), 'console.log(2)\n');
    await expect(checkGitClean(repo)).rejects.toThrow(/Repository is dirty.*train\.ts/);
    git(repo, 'add', 'train.ts');
    await expect(checkGitClean(repo)).rejects.toThrow(/dirty/); // staged counts too
  });

  it('ahead of the upstream, or no upstream, is an error', async () => {
    await writeFile(join(repo, 'train.ts'), 'console.log(3)\n');
    git(repo, 'commit', '-q', '-am', 'local only');
    await expect(checkGitClean(repo)).rejects.toThrow(/ahead of remote.*1 commit/);
    git(repo, 'push', '-q');
    await expect(checkGitClean(repo)).resolves.toBeDefined();
    git(repo, 'checkout', '-q', '-b', 'feature');
    await expect(checkGitClean(repo)).rejects.toThrow(/no upstream.*git push -u origin feature/);
    git(repo, 'checkout', '-q', '--detach');
    await expect(checkGitClean(repo)).rejects.toThrow(/detached/);
  });

  it('outside a repository: readGitInfo is undefined, the check fails', async () => {
    const plain = join(base, 'plain');
    await mkdir(plain, { recursive: true });
    expect(await readGitInfo(plain)).toBeUndefined();
    await expect(checkGitClean(plain)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('Experiment against the stand-in server and an S3 endpoint', () => {
  let server: MlflowStandIn;
  let s3: S3TestServer;
  const env = () => ({
    AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
  });

  beforeEach(async () => {
    server = await startMlflowStandIn({ defaultArtifactRoot: 's3://mlflow' });
    s3 = await startS3TestServer();
    repo = await makeRepo(`exp-${Math.random().toString(36).slice(2, 8)}`);
    await writeFile(join(repo, 'config.cfg'), seedConfig(server.url, s3.endpoint));
    git(repo, 'add', 'config.cfg');
    git(repo, 'commit', '-q', '-m', 'config');
    git(repo, 'push', '-q');
  });
  afterEach(async () => {
    await server.close();
    await s3.close();
  });

  it('creates the bucket and the experiment, starts runs tagged with git, artifacts go to S3', async () => {
    const e = new Experiment({ configPath: 'config.cfg', projectPath: repo, useLocalhost: true, env: env() });
    const run = await e.startRun({ runName: 'baseline', tags: { fold: 0 }, flushIntervalMs: 0 });
    expect(await new S3Client({ endpointUrl: s3.endpoint }, env()).bucketExists('mlflow')).toBe(true);
    const exp = await new MlflowClient({ trackingUri: server.url, env: {} }).getExperimentByName(
      'test_project',
    );
    expect(exp?.artifact_location).toBe('s3://mlflow');
    expect(run.artifactUri).toBe(`s3://mlflow/${run.id}/artifacts`);
    await writeFile(join(base, 'cm.txt'), 'confusion');
    await run.logArtifact(join(base, 'cm.txt'));
    await run.end();
    const tags = Object.fromEntries(server.state.runs.get(run.id)?.tags ?? []);
    expect(tags['mlflow.source.git.commit']).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(tags['mlflow.source.git.branch']).toBe('main');
    expect(tags['mlflow.source.git.repoURL']).toBe(remote);
    expect(tags.fold).toBe('0');
    expect(existsSync(join(s3.directory, 'mlflow'))).toBe(true);
    expect(
      s3.verified.some((v) => v.method === 'PUT' && v.path === `/mlflow/${run.id}/artifacts/cm.txt`),
    ).toBe(true);
    expect(await e.describe()).toMatch(/experiment 'test_project'/);
    // a second Experiment finds the same experiment; the bucket is not re-created
    const again = new Experiment({
      configPath: 'config.cfg',
      projectPath: repo,
      useLocalhost: true,
      env: env(),
    });
    expect(await again.id()).toBe(exp?.experiment_id);
  });

  it('refuses a dirty tree unless ignoreGitCheck', async () => {
    await writeFile(join(repo, 'train.ts'), 'changed\n');
    const e = new Experiment({ configPath: 'config.cfg', projectPath: repo, useLocalhost: true, env: env() });
    await expect(e.startRun()).rejects.toThrow(/dirty/);
    expect(server.calls('runs/create')).toHaveLength(0);
    const loose = new Experiment({
      configPath: 'config.cfg',
      projectPath: repo,
      useLocalhost: true,
      env: env(),
      ignoreGitCheck: true,
    });
    const run = await loose.startRun({ flushIntervalMs: 0 });
    await run.end();
    expect(server.state.runs.get(run.id)?.tags.get('mlflow.source.git.commit')).toBe(
      git(repo, 'rev-parse', 'HEAD'),
    );
  });

  it('experiment.run: the child attaches to the run (one run), exit status becomes the run status', async () => {
    const e = new Experiment({ configPath: 'config.cfg', projectPath: repo, useLocalhost: true, env: env() });
    // the four children run at once (each is a separate run; start-up of node + tsx dominates)
    const [ok, failed, killed, echo] = await Promise.all([
      e.run('main', { params: { epochs: 3 }, stdio: 'pipe' }),
      e.run('CRASH', { stdio: 'pipe' }),
      e.run('selfkill', { stdio: 'pipe' }),
      e.run('echo', { params: { epochs: "5; rm -rf '/'" }, stdio: 'pipe' }),
    ]);
    expect(ok.status).toBe('FINISHED');
    expect(ok.exitCode).toBe(0);
    // one run per child: the child attaches to the run made for it
    expect(server.calls('runs/create')).toHaveLength(4);
    expect(new Set([ok.runId, failed.runId, killed.runId, echo.runId]).size).toBe(4);
    expect(ok.stdout).toContain(`READY ${ok.runId}`);
    const stored = server.state.runs.get(ok.runId);
    expect(stored?.info.status).toBe('FINISHED');
    expect(stored?.params.get('epochs')).toBe('3');
    expect(stored?.params.get('from_child')).toBe('yes');
    expect(stored?.metrics.map((m) => m.key)).toEqual(['child_metric']);
    expect(stored?.tags.get('mlflow.project.entryPoint')).toBe('main');
    expect(stored?.tags.get('mlflow.source.type')).toBe('PROJECT');

    expect([failed.status, failed.exitCode]).toEqual(['FAILED', 3]);
    expect(server.state.runs.get(failed.runId)?.info.status).toBe('FAILED');
    expect([killed.status, killed.signal]).toEqual(['KILLED', 'SIGKILL']);
    expect(server.state.runs.get(killed.runId)?.info.status).toBe('KILLED');

    expect(JSON.parse(echo.stdout ?? '')).toEqual(["5; rm -rf '/'"]);
    await expect(e.run('nope')).rejects.toThrow(
      /unknown entry point 'nope' \(configured: main, crash, selfkill, echo\)/,
    );
    await expect(e.run('echo')).rejects.toThrow(/needs parameter 'epochs'/);
  });
});

describe('Experiment without a server', () => {
  it('logs to <projectPath>/mlruns and runs entry points against it', async () => {
    const r = await makeRepo(`local-${Math.random().toString(36).slice(2, 8)}`);
    await writeFile(join(r, '.gitignore'), 'mlruns/\n');
    git(r, 'commit', '-q', '-am', 'ignore mlruns');
    git(r, 'push', '-q');
    const e = new Experiment({
      config: {
        project: { name: 'Local' },
        entryPoints: { main: `node --import ${tsxLoader} ${childScript} ok` },
      },
      projectPath: r,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    const res = await e.run('main', { stdio: 'pipe' });
    expect(res.status).toBe('FINISHED');
    const store = new FileStore(join(r, 'mlruns'));
    const run = await store.getRun(res.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.metrics.map((m) => m.key)).toEqual(['child_metric']);
    expect((await store.getExperimentByName('local'))?.experiment_id).toBe(run.info.experiment_id);
  });
});
