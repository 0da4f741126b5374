import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../examples/train-mlflow.js';
import { S3Client } from '../../src/tracking/artifacts/s3-artifact-repository.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3TestServer } from './helpers/s3-test-server.js';
import { startMlflowStandIn } from './mlflow-stand-in.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-example-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('examples/train-mlflow.ts', () => {
  it('(a) run as a script with no tracking URI: logs to ./mlruns', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(here, '..', '..', 'examples', 'train-mlflow.ts'),
        '--epochs',
        '3',
      ],
      { cwd: dir, env },
    );
    const runId = /run ([0-9a-f]{32})/.exec(stdout)?.[1] ?? '';
    const store = new FileStore(join(dir, 'mlruns'));
    const run = await store.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toContainEqual({ key: 'epochs', value: '3' });
    for (const key of ['loss', 'acc', 'val_loss', 'val_acc']) {
      expect((await store.getMetricHistory(runId, key)).map((m) => m.step)).toEqual([0, 1, 2]);
    }
    const artifacts = join(await store.runDir(runId), 'artifacts', 'model');
    expect((await readdir(artifacts)).sort()).toEqual(['MLmodel', 'model.json', 'weights.bin']);
    expect(JSON.parse(await readFile(join(artifacts, 'model.json'), 'utf8')).format).toBe('layers-model');
    expect(run.data.tags).toContainEqual({
      key: 'mlflow.note.content',
      value: 'examples/train-mlflow.ts: two dense layers on synthetic 2-class data',
    });
  });

  it('(b) against the tracking server with an s3:// artifact root (SigV4 verified)', async () => {
    const server = await startMlflowStandIn({ defaultArtifactRoot: 's3://mlflow' });
    const s3 = await startS3TestServer();
    try {
      const env = {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
      };
      await new S3Client({}, env).ensureBucket('mlflow');
      const lines: string[] = [];
      const result = await main({ epochs: 4, env, log: (l) => lines.push(l) });
      expect(Number.isFinite(result.finalLoss)).toBe(true);
      const c = new MlflowClient({ env });
      const run = await c.getRun(result.runId);
      expect(run.info.status).toBe('FINISHED');
      expect(run.info.artifact_uri).toBe(`s3://mlflow/${result.experimentId}/${result.runId}/artifacts`);
      expect((await c.getMetricHistory(result.runId, 'val_loss')).map((m) => m.step)).toEqual([0, 1, 2, 3]);
      expect(run.data.params).toContainEqual({ key: 'learningRate', value: '0.05' });
      const prefix = `/mlflow/${result.experimentId}/${result.runId}/artifacts/model/`;
      const puts = s3.verified
        .filter((v) => v.method === 'PUT' && v.path.startsWith(prefix))
        .map((v) => v.path.slice(prefix.length));
      expect(puts.sort()).toEqual(['MLmodel', 'model.json', 'weights.bin']);
      expect(s3.rejected).toEqual([]);
      const repo = c.artifactRepository(run.info.artifact_uri);
      expect((await repo.listArtifacts('model')).map((f) => f.path)).toEqual([
        'model/MLmodel',
        'model/model.json',
        'model/weights.bin',
      ]);
      expect(lines.some((l) => l.startsWith('epoch 3:'))).toBe(true);
    } finally {
      await server.close();
      await s3.close();
    }
  });
});
