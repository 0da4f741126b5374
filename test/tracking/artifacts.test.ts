import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, MlflowError } from '../../src/errors.js';
import { createArtifactRepository } from '../../src/tracking/artifacts/create-artifact-repository.js';
import { LocalArtifactRepository } from '../../src/tracking/artifacts/local-artifact-repository.js';
import { S3Client } from '../../src/tracking/artifacts/s3-artifact-repository.js';
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import { S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, startS3TestServer } from './helpers/s3-test-server.js';
import type { S3TestServer } from './helpers/s3-test-server.js';
import { startMlflowStandIn } from './mlflow-stand-in.js';

let dir: string;
let s3: S3TestServer;
const s3env = () => ({
  MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
  AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-art-'));
  await mkdir(join(dir, 'src', 'sub dir'), { recursive: true });
  await writeFile(join(dir, 'src', 'a.txt'), 'alpha');
  await writeFile(join(dir, 'src', 'sub dir', 'b+c.json'), '{"b":1}');
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(300_000, 7));
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

describe('artifacts: local folder', () => {
  it('copies files and folders, lists, reads and downloads', async () => {
    const repo = new LocalArtifactRepository(join(dir, 'local-root'));
    expect(repo.artifactUri).toMatch(/^file:\/\//);
    await repo.logArtifact(join(dir, 'big.bin'));
    await repo.logArtifacts(join(dir, 'src'), 'data');
    expect(await repo.listArtifacts()).toEqual([
      { path: 'big.bin', is_dir: false, file_size: 300_000 },
      { path: 'data', is_dir: true },
    ]);
    expect(await repo.listArtifacts('data')).toEqual([
      { path: 'data/a.txt', is_dir: false, file_size: 5 },
      { path: 'data/sub dir', is_dir: true },
    ]);
    expect(Buffer.from(await repo.readArtifact('data/sub dir/b+c.json')).toString()).toBe('{"b":1}');
    const out = await repo.downloadArtifacts('data', join(dir, 'dl-local'));
    expect(await readFile(join(out, 'sub dir', 'b+c.json'), 'utf8')).toBe('{"b":1}');
    await expect(repo.readArtifact('missing')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(repo.putBytes('../escape', 'x')).rejects.toBeInstanceOf(ConfigError);
    await expect(repo.logArtifact(join(dir, 'nope'))).rejects.toThrow(/cannot read/);
  });
});

/** PUTs a path exactly as written (no URL normalisation); resolves to the status. */
function rawPut(url: string): Promise<number> {
  const u = new URL(url);
  const path = url.slice(u.origin.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('x');
  });
}

describe('artifacts: mlflow-artifacts proxy', () => {
  it('uploads through the tracking server (PUT), lists and downloads (GET)', async () => {
    const server = await startMlflowStandIn({ prefix: '/mlflow' });
    try {
      const c = new MlflowClient({ trackingUri: server.url, env: {} });
      const run = await c.createRun({ experimentId: '0' });
      const repo = c.artifactRepository(run.info.artifact_uri);
      await repo.logArtifacts(join(dir, 'src'), 'inputs');
      await repo.logArtifact(join(dir, 'big.bin'));
      const puts = server.requests.filter((r) => r.method === 'PUT');
      expect(puts.map((r) => r.path).sort()).toEqual(
        [
          `/api/2.0/mlflow-artifacts/artifacts/0/${run.info.run_id}/artifacts/big.bin`,
          `/api/2.0/mlflow-artifacts/artifacts/0/${run.info.run_id}/artifacts/inputs/a.txt`,
          `/api/2.0/mlflow-artifacts/artifacts/0/${run.info.run_id}/artifacts/inputs/sub%20dir/b%2Bc.json`,
        ].sort(),
      );
      expect(puts.find((r) => r.path.endsWith('.json'))?.headers['content-type']).toBe('application/json');
      expect(puts.find((r) => r.path.endsWith('big.bin'))?.headers['content-length']).toBe('300000');
      expect(server.artifacts.get(`0/${run.info.run_id}/artifacts/big.bin`)?.length).toBe(300_000);
      // sorted by name, folders and files mixed, as MLflow lists them
      expect(await repo.listArtifacts()).toEqual([
        { path: 'big.bin', is_dir: false, file_size: 300_000 },
        { path: 'inputs', is_dir: true },
      ]);
      expect(await repo.listArtifacts('inputs')).toEqual([
        { path: 'inputs/a.txt', is_dir: false, file_size: 5 },
        { path: 'inputs/sub dir', is_dir: true },
      ]);
      expect(Buffer.from(await repo.readArtifact('inputs/a.txt')).toString()).toBe('alpha');
      const out = await repo.downloadArtifacts('', join(dir, 'dl-proxy'));
      expect(await readFile(join(out, 'inputs', 'sub dir', 'b+c.json'), 'utf8')).toBe('{"b":1}');
      expect((await readFile(join(out, 'big.bin'))).length).toBe(300_000);
      // MLflow 2.9 answers a missing file with 500 INTERNAL_ERROR; the client reads it as not found
      await expect(repo.readArtifact('nope.txt')).rejects.toMatchObject({
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
      });
      expect(server.requests.at(-1)?.status).toBe(500);
      // a `..` in an upload path (sent as is: fetch would resolve it) is refused, not written one folder up
      const before = [...server.artifacts.keys()];
      for (const dots of ['..', '%2E%2E', '..%2F..'])
        expect(
          await rawPut(
            `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${run.info.run_id}/artifacts/${dots}/escape.txt`,
          ),
        ).toBe(400);
      expect([...server.artifacts.keys()]).toEqual(before);
    } finally {
      await server.close();
    }
  });
});

describe('artifacts: s3:// (SigV4 checked by botocore in front of s3rver)', () => {
  it('creates the bucket, streams uploads, lists, reads and downloads with verified signatures', async () => {
    const client = new S3Client({}, s3env());
    expect(await client.ensureBucket('mlflow')).toBe(true);
    expect(await client.ensureBucket('mlflow')).toBe(false);
    const repo = createArtifactRepository('s3://mlflow/7/run123/artifacts', { env: s3env() });
    await repo.logArtifact(join(dir, 'big.bin'), 'weights');
    await repo.logArtifacts(join(dir, 'src'), 'inputs');
    await repo.putBytes("notes/it's (1)*.txt", 'quoted');
    expect(s3.rejected).toEqual([]);
    const puts = s3.verified.filter((v) => v.method === 'PUT');
    expect(puts.map((v) => v.path).sort()).toEqual(
      [
        '/mlflow',
        '/mlflow/7/run123/artifacts/weights/big.bin',
        '/mlflow/7/run123/artifacts/inputs/a.txt',
        '/mlflow/7/run123/artifacts/inputs/sub%20dir/b%2Bc.json',
        '/mlflow/7/run123/artifacts/notes/it%27s%20%281%29%2A.txt',
      ].sort(),
    );
    // streamed uploads are signed with UNSIGNED-PAYLOAD, not buffered to hash
    expect(puts.find((v) => v.path.endsWith('big.bin'))?.payloadHash).toBe('UNSIGNED-PAYLOAD');
    expect(await repo.listArtifacts()).toEqual([
      { path: 'inputs', is_dir: true },
      { path: 'notes', is_dir: true },
      { path: 'weights', is_dir: true },
    ]);
    expect(await repo.listArtifacts('inputs')).toEqual([
      { path: 'inputs/a.txt', is_dir: false, file_size: 5 },
      { path: 'inputs/sub dir', is_dir: true },
    ]);
    expect(Buffer.from(await repo.readArtifact("notes/it's (1)*.txt")).toString()).toBe('quoted');
    const out = await repo.downloadArtifacts('weights', join(dir, 'dl-s3'));
    expect((await readFile(join(out, 'big.bin'))).equals(Buffer.alloc(300_000, 7))).toBe(true);
    await expect(repo.readArtifact('nope')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(s3.rejected).toEqual([]);
  });

  it('a wrong secret is rejected with SignatureDoesNotMatch (and s3rver alone would have accepted it)', async () => {
    const bad = new S3Client(
      { secretAccessKey: 'not-the-secret', http: { retry: { maxRetries: 0 } } },
      s3env(),
    );
    const err = await bad
      .putObject('mlflow', 'x.txt', { bytes: new Uint8Array([1]) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('SignatureDoesNotMatch');
    expect((err as MlflowError).status).toBe(403);
    expect(s3.rejected.at(-1)?.reason).toBe('SignatureDoesNotMatch');
    // a tampered path under a valid signature is rejected too
    const aws = new AwsClient({
      accessKeyId: S3_ACCESS_KEY,
      secretAccessKey: S3_SECRET_KEY,
      service: 's3',
      region: S3_REGION,
      retries: 0,
    });
    const signed = await aws.sign(`${s3.endpoint}/mlflow/a.txt`, {
      method: 'PUT',
      body: 'x',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const tampered = await fetch(`${s3.endpoint}/mlflow/b.txt`, {
      method: 'PUT',
      body: 'x',
      headers: signed.headers,
    });
    expect(tampered.status).toBe(403);
    // s3rver 3.7 does not verify V4 signatures: the same bad request straight to s3rver succeeds
    const direct = new S3Client({ endpointUrl: s3.rawEndpoint, secretAccessKey: 'not-the-secret' }, s3env());
    await direct.ensureBucket('mlflow');
    await expect(
      direct.putObject('mlflow', 'x.txt', { bytes: new Uint8Array([1]) }),
    ).resolves.toBeUndefined();
  });

  it('a wrong region is rejected; missing credentials are a ConfigError', async () => {
    const wrongRegion = new S3Client({ region: 'eu-west-2', http: { retry: { maxRetries: 0 } } }, s3env());
    await expect(wrongRegion.bucketExists('mlflow')).rejects.toMatchObject({ status: 403 });
    expect(() => createArtifactRepository('s3://mlflow/x', { env: {} })).toThrow(/AWS_ACCESS_KEY_ID/);
    expect(() => createArtifactRepository('gs://bucket/x', { env: {} })).toThrow(
      /unsupported artifact store/,
    );
    expect(() => createArtifactRepository('mlflow-artifacts:/1/x', { env: {} })).toThrow(/tracking server/);
  });
});
