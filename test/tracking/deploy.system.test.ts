/**
 * Checks deploy/ without a Docker engine: the nginx configuration with Debian's nginx (`nginx -t`, then
 * a real nginx in front of the MLflow stand-in and the verifying S3 endpoint, with generated test
 * certificates and the upstream names mapped to 127.0.0.1), and docker-compose.yml with Debian's
 * docker-compose (`config` validates against the compose schema) plus structural checks.
 * Needs the Debian packages nginx, docker-compose and openssl (.ci/apt-packages).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowError } from '../../src/errors.js';
import { S3Client } from '../../src/tracking/artifacts/s3-artifact-repository.js';
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import { createTlsFetch } from '../../src/tracking/tls-fetch.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3TestServer } from './helpers/s3-test-server.js';
import type { S3TestServer } from './helpers/s3-test-server.js';
import { startMlflowStandIn } from './mlflow-stand-in.js';
import { requireTool } from '../support/require-tool.js';
import type { MlflowStandIn } from './mlflow-stand-in.js';

const run = promisify(execFile);
const deploy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy');
let tmp: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function walk(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/**
 * Renders deploy/nginx/templates/*.template into `root` as the nginx image's entrypoint does
 * (20-envsubst-on-templates.sh with NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx and NGINX_ENVSUBST_FILTER=^HTTPS_PORT$:
 * `envsubst '${HTTPS_PORT}'`), with Debian's envsubst.
 */
async function renderTemplates(root: string, httpsPort: number): Promise<void> {
  for (const f of await readdir(join(root, 'templates'))) {
    if (!f.endsWith('.template')) continue;
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('envsubst', ['${HTTPS_PORT}'], {
        env: { ...process.env, HTTPS_PORT: String(httpsPort) },
      });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`envsubst exited ${code}`))));
      p.stdin.end(readFileSync(join(root, 'templates', f)));
    });
    await writeFile(join(root, f.slice(0, -'.template'.length)), out);
  }
}

/**
 * A copy of deploy/nginx for this machine: container paths (/etc/nginx/…) → the temp folder, upstream
 * service names → 127.0.0.1 ports, listen ports → free local ports, pid and temp paths → temp folder,
 * templates rendered with the published HTTPS port. Everything else is the shipped configuration.
 */
async function nginxVariant(
  root: string,
  upstreams: { mlflow: number; s3: number; console: number },
  listen?: Record<number, number>,
): Promise<string> {
  await rm(root, { recursive: true, force: true });
  await cp(join(deploy, 'nginx'), root, { recursive: true });
  await renderTemplates(root, listen?.[443] ?? 443);
  await cp(join(tmp, 'certs'), join(root, 'certs'), { recursive: true });
  await cp(join(tmp, 'htpasswd'), join(root, 'htpasswd'));
  for (const f of await walk(root)) {
    if (!f.endsWith('.conf')) continue;
    let text = (await readFile(f, 'utf8')).replaceAll('/etc/nginx/', `${root}/`);
    text = text
      .replace('server mlflow:5000;', `server 127.0.0.1:${upstreams.mlflow};`)
      .replace('server minio:9000;', `server 127.0.0.1:${upstreams.s3};`)
      .replace('server minio:9001;', `server 127.0.0.1:${upstreams.console};`)
      .replace('pid /var/run/nginx.pid;', `pid ${root}/nginx.pid;`)
      .replaceAll('/var/log/nginx/', `${root}/`)
      .replace(
        'http {',
        `http {\n    client_body_temp_path ${root}/body;\n    proxy_temp_path ${root}/proxy;\n    fastcgi_temp_path ${root}/fastcgi;\n    uwsgi_temp_path ${root}/uwsgi;\n    scgi_temp_path ${root}/scgi;`,
      );
    if (listen)
      text = text.replace(/listen (\d+)/g, (_m, p: string) => `listen 127.0.0.1:${listen[Number(p)] ?? p}`);
    await writeFile(f, text);
  }
  return join(root, 'nginx.conf');
}

async function nginxTest(conf: string): Promise<{ ok: boolean; output: string }> {
  try {
    const r = await run('nginx', ['-t', '-c', conf]);
    return { ok: true, output: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string; code?: string };
    if (err.code === 'ENOENT')
      throw new Error('nginx is not installed: apt-get install -y nginx (listed in .ci/apt-packages)');
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  requireTool('nginx', 'apt-get install -y nginx');
  requireTool('openssl', 'apt-get install -y openssl');
  requireTool('docker-compose', 'apt-get install -y docker-compose');
  requireTool('envsubst', 'apt-get install -y gettext-base');
  tmp = await mkdtemp(join(tmpdir(), 'csc-deploy-'));
  await chmod(tmp, 0o755); // nginx workers (user nobody when started as root) read htpasswd at request time
  await run('mkdir', ['-p', join(tmp, 'certs')]);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    join(tmp, 'certs', 'tls.key'),
    '-out',
    join(tmp, 'certs', 'tls.crt'),
  ]);
  const { stdout } = await run('openssl', ['passwd', '-apr1', 'correct horse']);
  await writeFile(join(tmp, 'htpasswd'), `trainer:${stdout.trim()}\n`);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('deploy/nginx', () => {
  it('passes nginx -t with test certificates and local upstreams', async () => {
    const conf = await nginxVariant(join(tmp, 'ngx-t'), { mlflow: 5000, s3: 9000, console: 9001 });
    const r = await nginxTest(conf);
    expect(r.output).toMatch(/syntax is ok/);
    expect(r.output).toMatch(/test is successful/);
    expect(r.ok).toBe(true);
    // with the default HTTPS_PORT the template renders a redirect to :443; nginx's variables stay
    expect(await readFile(join(tmp, 'ngx-t', 'http-redirect.conf'), 'utf8')).toContain(
      'return 301 https://$host:443$request_uri;',
    );
  });

  it('nginx -t does fail: unresolvable upstream names, broken syntax', async () => {
    const conf = await nginxVariant(join(tmp, 'ngx-bad'), { mlflow: 5000, s3: 9000, console: 9001 });
    const upstreams = join(tmp, 'ngx-bad', 'conf.d', 'upstreams.conf');
    await writeFile(
      upstreams,
      (await readFile(upstreams, 'utf8')).replace('server 127.0.0.1:5000;', 'server mlflow.invalid:5000;'),
    );
    const unresolved = await nginxTest(conf);
    expect(unresolved.ok).toBe(false);
    expect(unresolved.output).toMatch(/host not found in upstream/);
    const conf2 = await nginxVariant(join(tmp, 'ngx-bad2'), { mlflow: 5000, s3: 9000, console: 9001 });
    const mlflowConf = join(tmp, 'ngx-bad2', 'conf.d', 'mlflow.conf');
    await writeFile(
      mlflowConf,
      (await readFile(mlflowConf, 'utf8')).replace('auth_basic_user_file', 'auth_basic_userfile'),
    );
    const broken = await nginxTest(conf2);
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/unknown directive "auth_basic_userfile"/);
  });

  it('declares what large artifacts and S3 need (no body limit, streaming, timeouts, Host kept, no basic auth on S3)', async () => {
    const proxy = await readFile(join(deploy, 'nginx', 'snippets', 'proxy.conf'), 'utf8');
    for (const d of [
      'client_max_body_size 0;',
      'proxy_request_buffering off;',
      'proxy_read_timeout 600s;',
      'proxy_set_header Host $http_host;',
    ])
      expect(proxy).toContain(d);
    const minio = await readFile(join(deploy, 'nginx', 'conf.d', 'minio.conf'), 'utf8');
    expect(minio).not.toMatch(/^\s*auth_basic\s/m);
    const mlflow = await readFile(join(deploy, 'nginx', 'conf.d', 'mlflow.conf'), 'utf8');
    expect(mlflow).toMatch(/auth_basic_user_file \/etc\/nginx\/htpasswd;/);
    expect(mlflow).toMatch(/listen 443 ssl/);
  });

  describe('a running nginx with this configuration', () => {
    let nginx: ChildProcess;
    let server: MlflowStandIn;
    let s3: S3TestServer;
    let ports: Record<number, number>;
    let ca: Buffer;
    let nginxLog = '';

    beforeAll(async () => {
      server = await startMlflowStandIn({ defaultArtifactRoot: 's3://mlflow' });
      s3 = await startS3TestServer(['mlflow']);
      ports = { 80: await freePort(), 443: await freePort(), 9000: await freePort(), 9001: await freePort() };
      const conf = await nginxVariant(
        join(tmp, 'ngx-run'),
        { mlflow: Number(new URL(server.url).port), s3: Number(new URL(s3.endpoint).port), console: 9 },
        ports,
      );
      ca = await readFile(join(tmp, 'certs', 'tls.crt'));
      nginx = spawn('nginx', ['-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
      nginx.stderr?.on('data', (d: Buffer) => (nginxLog += d.toString()));
      for (let i = 0; i < 200; i++) {
        const up = await new Promise<boolean>((r) => {
          const s = net.connect(ports[443] ?? 0, '127.0.0.1', () => (s.end(), r(true)));
          s.on('error', () => r(false));
        });
        if (up) break;
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${nginxLog}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    afterAll(async () => {
      nginx.kill('SIGQUIT');
      await new Promise((r) => (nginx.exitCode !== null ? r(null) : nginx.on('exit', r)));
      await server.close();
      await s3.close();
    });

    it('serves MLflow over TLS behind basic auth; /health is open; HTTP redirects to HTTPS', async () => {
      const fetch = createTlsFetch({ ca });
      const uri = `https://127.0.0.1:${ports[443]}`;
      const anonymous = new MlflowClient({ trackingUri: uri, fetch, env: {}, retry: { maxRetries: 0 } });
      expect(await anonymous.health()).toBe(true);
      const err = await anonymous.createExperiment('x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MlflowError);
      expect((err as MlflowError).status).toBe(401);
      expect((err as MlflowError).message).toMatch(/401 Authorization Required/);
      const c = new MlflowClient({
        trackingUri: uri,
        fetch,
        env: { MLFLOW_TRACKING_USERNAME: 'trainer', MLFLOW_TRACKING_PASSWORD: 'correct horse' },
        retry: { maxRetries: 0 },
      });
      const id = await c.createExperiment('behind-nginx');
      const r = await c.createRun({ experimentId: id });
      await c.logBatch(r.info.run_id, {
        metrics: Array.from({ length: 1500 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
      });
      expect(server.state.runs.get(r.info.run_id)?.metrics).toHaveLength(1500);
      expect(server.calls('runs/create').at(-1)?.headers['x-forwarded-proto']).toBe('https');
      const redirect = await globalThis.fetch(
        `http://127.0.0.1:${ports[80]}/api/2.0/mlflow/experiments/get?experiment_id=0`,
        { redirect: 'manual' },
      );
      // the published HTTPS port is not 443 here: the redirect keeps it, and following it works
      expect(redirect.status).toBe(301);
      const location = redirect.headers.get('location') ?? '';
      expect(location).toBe(`https://127.0.0.1:${ports[443]}/api/2.0/mlflow/experiments/get?experiment_id=0`);
      const followed = await fetch(location, {
        headers: { Authorization: `Basic ${Buffer.from('trainer:correct horse').toString('base64')}` },
      });
      expect(followed.status).toBe(200);
      expect(((await followed.json()) as { experiment: { name: string } }).experiment.name).toBe('Default');
    });

    it('TLS from the environment: a CA file is trusted, a self-signed server is refused without it, the insecure switch', async () => {
      const uri = `https://127.0.0.1:${ports[443]}`;
      const certPath = join(tmp, 'certs', 'tls.crt');
      const trusted = new MlflowClient({
        trackingUri: uri,
        env: { MLFLOW_TRACKING_SERVER_CERT_PATH: certPath },
        retry: { maxRetries: 0 },
      });
      expect(await trusted.health()).toBe(true);
      const untrusted = new MlflowClient({ trackingUri: uri, env: {}, retry: { maxRetries: 0 } });
      const err = await untrusted.health().catch((e: unknown) => e);
      expect((err as MlflowError).errorCode).toBe('NETWORK_ERROR');
      expect((err as MlflowError).message).toMatch(/certificate/i);
      const insecure = new MlflowClient({
        trackingUri: uri,
        env: { MLFLOW_TRACKING_INSECURE_TLS: 'true' },
        retry: { maxRetries: 0 },
      });
      expect(await insecure.health()).toBe(true);
      expect(
        () =>
          new MlflowClient({
            trackingUri: uri,
            env: { MLFLOW_TRACKING_SERVER_CERT_PATH: join(tmp, 'nope.pem') },
          }),
      ).toThrow(/cannot read the file/);
    });

    it('passes S3 through with the Host header intact (SigV4 still verifies) and no body limit (30 MB)', async () => {
      const client = new S3Client(
        { endpointUrl: `https://127.0.0.1:${ports[9000]}`, fetch: createTlsFetch({ ca }) },
        { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY },
      );
      const big = new Uint8Array(30 * 1024 * 1024).fill(3); // > nginx's default 1m limit
      await client.putObject('mlflow', '1/run/artifacts/model/weights.bin', { bytes: big });
      expect(s3.rejected).toEqual([]);
      expect(
        s3.verified.some((v) => v.method === 'PUT' && v.path === '/mlflow/1/run/artifacts/model/weights.bin'),
      ).toBe(true);
      const stream = await client.getObject('mlflow', '1/run/artifacts/model/weights.bin');
      let n = 0;
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
      expect(n).toBe(big.length);
    });

    it("with the README's client variables, a run's 30 MB artifact goes to the S3 port trusting AWS_CA_BUNDLE; without it the error names AWS_CA_BUNDLE", async () => {
      const certPath = join(tmp, 'certs', 'tls.crt');
      const env = {
        MLFLOW_TRACKING_URI: `https://127.0.0.1:${ports[443]}`,
        MLFLOW_TRACKING_USERNAME: 'trainer',
        MLFLOW_TRACKING_PASSWORD: 'correct horse',
        MLFLOW_TRACKING_SERVER_CERT_PATH: certPath,
        MLFLOW_S3_ENDPOINT_URL: `https://127.0.0.1:${ports[9000]}`,
        AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
        AWS_CA_BUNDLE: certPath,
      };
      const file = join(tmp, 'model-30mb.bin');
      await writeFile(file, Buffer.alloc(30 * 1024 * 1024, 7));
      const c = new MlflowClient({ env, retry: { maxRetries: 0 } });
      const run = await c.createRun({ experimentId: '0' });
      expect(run.info.artifact_uri).toBe(`s3://mlflow/0/${run.info.run_id}/artifacts`);
      await c.artifactRepository(run.info.artifact_uri).logArtifact(file, 'model');
      const key = `/mlflow/0/${run.info.run_id}/artifacts/model/model-30mb.bin`;
      expect(s3.verified.some((v) => v.method === 'PUT' && v.path === key)).toBe(true);
      expect(s3.rejected).toEqual([]);
      // the tracking server's CA variable alone does not cover the S3 endpoint (as with boto3)
      const { AWS_CA_BUNDLE: _ca, ...withoutBundle } = env;
      const c2 = new MlflowClient({
        env: withoutBundle,
        retry: { maxRetries: 3 },
        sleep: async () => undefined,
      });
      const err = await c2
        .artifactRepository(run.info.artifact_uri)
        .logArtifact(file, 'again')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MlflowError);
      expect((err as MlflowError).message).toMatch(/certificate/);
      expect((err as MlflowError).message).toMatch(/set AWS_CA_BUNDLE/);
      expect((err as MlflowError).message).not.toMatch(/MLFLOW_TRACKING_URI|after \d+ attempt/);
    });
  });
});

describe('deploy/docker-compose.yml', () => {
  async function composeConfig(
    file: string,
    envFile: string,
    cwd: string,
  ): Promise<{ ok: boolean; out: string }> {
    try {
      const r = await run('docker-compose', ['-f', file, '--env-file', envFile, 'config'], { cwd });
      return { ok: true, out: r.stdout };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; code?: string | number };
      if (err.code === 'ENOENT')
        throw new Error(
          'docker-compose is not installed: apt-get install -y docker-compose (listed in .ci/apt-packages)',
        );
      return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }

  // the three docker-compose runs (≈1 s of Python start-up each) go in parallel
  let valid: { ok: boolean; out: string };
  let missingSecret: { ok: boolean; out: string };
  let invalid: { ok: boolean; out: string };
  beforeAll(async () => {
    const example = await readFile(join(deploy, '.env.example'), 'utf8');
    const partial = join(tmp, 'partial.env');
    await writeFile(partial, example.replace(/^POSTGRES_PASSWORD=.*$/m, ''));
    const bad = join(tmp, 'bad-compose');
    await cp(deploy, bad, { recursive: true });
    const f = join(bad, 'docker-compose.yml');
    const original = await readFile(f, 'utf8');
    const broken = original.replace(/(\n {4}image: minio\/mc:[^\n]*)/, '$1\n    healthchek: {}');
    expect(broken).not.toBe(original);
    await writeFile(f, broken);
    [valid, missingSecret, invalid] = await Promise.all([
      composeConfig(join(deploy, 'docker-compose.yml'), join(deploy, '.env.example'), deploy),
      composeConfig(join(deploy, 'docker-compose.yml'), partial, deploy),
      composeConfig(f, join(bad, '.env.example'), bad),
    ]);
  });

  it('validates against the compose schema with .env.example, and the stack is what the README says', () => {
    expect(valid.out).not.toMatch(/invalid/i);
    expect(valid.ok).toBe(true);
    const cfg = parseYaml(valid.out) as {
      services: Record<
        string,
        {
          image?: string;
          build?: unknown;
          ports?: { published: number; target: number }[];
          healthcheck?: unknown;
          restart?: string;
          depends_on?: Record<string, { condition: string }>;
          networks?: Record<string, unknown>;
          command?: string[];
          volumes?: string[];
          environment?: Record<string, string>;
        }
      >;
      networks: Record<string, { internal?: boolean }>;
    };
    expect(Object.keys(cfg.services).sort()).toEqual(['createbuckets', 'db', 'minio', 'mlflow', 'nginx']);
    for (const [name, s] of Object.entries(cfg.services)) {
      expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
      if (name !== 'createbuckets') {
        expect(s.restart, name).toBe('unless-stopped');
        if (name !== 'nginx') expect(s.healthcheck, name).toBeDefined();
      }
    }
    expect(cfg.networks.backend?.internal).toBe(true);
    expect(Object.keys(cfg.services.db?.networks ?? {})).toEqual(['backend']);
    expect(Object.keys(cfg.services.nginx?.networks ?? {})).toEqual(['frontend']);
    expect(cfg.services.mlflow?.depends_on).toEqual({
      db: { condition: 'service_healthy' },
      createbuckets: { condition: 'service_completed_successfully' },
    });
    const cmd = cfg.services.mlflow?.command ?? [];
    expect(cmd[cmd.indexOf('--default-artifact-root') + 1]).toBe('s3://mlflow/');
    expect(cmd[cmd.indexOf('--backend-store-uri') + 1]).toBe(
      'postgresql+psycopg2://mlflow:change-me-postgres-password@db:5432/mlflow',
    );
    expect(cfg.services.mlflow?.environment?.MLFLOW_S3_ENDPOINT_URL).toBe('http://minio:9000');
    expect(cfg.services.nginx?.ports?.map((p) => `${p.published}:${p.target}`)).toEqual([
      '80:80',
      '443:443',
      '9000:9000',
      '9001:9001',
    ]);
    expect(
      (cfg.services.nginx?.volumes ?? []).map(String).some((v) => v.endsWith(':/etc/nginx/htpasswd:ro')),
    ).toBe(true);
  });

  it('every ${VAR} of the compose file is in .env.example; a missing secret stops `config`', async () => {
    const compose = await readFile(join(deploy, 'docker-compose.yml'), 'utf8');
    const used = new Set([...compose.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const example = await readFile(join(deploy, '.env.example'), 'utf8');
    const defined = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect([...used].filter((v) => !defined.has(v))).toEqual([]);
    expect(missingSecret.ok).toBe(false);
    expect(missingSecret.out).toMatch(/set POSTGRES_PASSWORD in \.env/);
  });

  it('rejects an invalid compose file (the check can fail)', () => {
    expect(invalid.ok).toBe(false);
    expect(invalid.out).toMatch(/healthchek/);
  });

  /**
   * The `db` service as the postgres image sets it up from .env.example, on Debian's PostgreSQL in a
   * throwaway cluster: POSTGRES_USER with POSTGRES_PASSWORD (scram-sha-256 over TCP, as the image's
   * pg_hba), POSTGRES_DB created by that user. Checked: the mlflow service's --backend-store-uri (from
   * `docker-compose config`) logs in over TCP and may create and fill tables (what MLflow's migrations
   * do first), a wrong password is refused, and the db service's own health check command answers.
   * Not checked: MLflow's schema and queries (no Python MLflow here; the MLflow stand-in keeps its state
   * in memory).
   */
  describe('the Postgres backend (Debian PostgreSQL, a throwaway cluster)', () => {
    let bin: string;
    let dir: string;
    let port: number;
    let asPostgres: string[];
    let vars: Record<string, string>;
    beforeAll(async () => {
      const root = '/usr/lib/postgresql';
      const versions = await readdir(root).catch(() => [] as string[]);
      const found = versions
        .sort((a, b) => Number(b) - Number(a))
        .find((v) => existsSync(join(root, v, 'bin', 'initdb')));
      if (found === undefined)
        throw new Error(
          'PostgreSQL is not installed: apt-get install -y postgresql (listed in .ci/apt-packages)',
        );
      bin = join(root, found, 'bin');
      vars = Object.fromEntries(
        [...(await readFile(join(deploy, '.env.example'), 'utf8')).matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map(
          (m) => [m[1] ?? '', m[2] ?? ''],
        ),
      );
      dir = await mkdtemp(join(tmpdir(), 'csc-pg-'));
      // initdb refuses root: run the server as Debian's postgres user then
      asPostgres = [];
      if (process.getuid?.() === 0) {
        const uid = Number((await run('id', ['-u', 'postgres'])).stdout);
        const gid = Number((await run('id', ['-g', 'postgres'])).stdout);
        await chown(dir, uid, gid);
        asPostgres = ['runuser', '-u', 'postgres', '--'];
      }
      const as = (cmd: string, args: string[]) =>
        asPostgres.length > 0
          ? run(asPostgres[0] ?? '', [...asPostgres.slice(1), cmd, ...args])
          : run(cmd, args);
      const pw = join(dir, 'pw');
      await writeFile(pw, `${vars.POSTGRES_PASSWORD}\n`);
      if (asPostgres.length > 0) await run('chown', ['postgres:postgres', pw]);
      await as(join(bin, 'initdb'), [
        '-D',
        join(dir, 'data'),
        '-U',
        vars.POSTGRES_USER ?? '',
        '--pwfile',
        pw,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
      ]);
      port = await freePort();
      await as(join(bin, 'pg_ctl'), [
        '-D',
        join(dir, 'data'),
        '-l',
        join(dir, 'log'),
        '-w',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        'start',
      ]);
      await run(join(bin, 'psql'), [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        vars.POSTGRES_USER ?? '',
        '-d',
        'postgres',
        '-c',
        `CREATE DATABASE "${vars.POSTGRES_DB}"`,
      ]);
    });
    afterAll(async () => {
      if (bin === undefined) return;
      const stop = [join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'fast', 'stop'];
      await (
        asPostgres.length > 0
          ? run(asPostgres[0] ?? '', [...asPostgres.slice(1), ...stop])
          : run(stop[0] ?? '', stop.slice(1))
      ).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    const backendUri = () => {
      const cfg = parseYaml(valid.out) as { services: Record<string, { command?: string[] }> };
      const cmd = cfg.services.mlflow?.command ?? [];
      return cmd[cmd.indexOf('--backend-store-uri') + 1] ?? '';
    };
    // the URI as psql takes it: SQLAlchemy's driver suffix dropped, the `db` service → this cluster
    const forPsql = (uri: string) =>
      uri.replace('postgresql+psycopg2://', 'postgresql://').replace('@db:5432/', `@127.0.0.1:${port}/`);

    it("the mlflow service's backend-store URI logs in over TCP (scram) and may create MLflow's tables", async () => {
      const uri = forPsql(backendUri());
      expect(uri).toMatch(/^postgresql:\/\/[^:]+:[^@]+@127\.0\.0\.1:\d+\/\w+$/);
      const r = await run(join(bin, 'psql'), [
        uri,
        '-v',
        'ON_ERROR_STOP=1',
        '-At',
        '-c',
        'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
        '-c',
        "INSERT INTO alembic_version VALUES ('0584bdc529eb')",
        '-c',
        'SELECT current_user, current_database(), version_num FROM alembic_version',
      ]);
      expect(r.stdout.trim().split('\n').at(-1)).toBe(
        `${vars.POSTGRES_USER}|${vars.POSTGRES_DB}|0584bdc529eb`,
      );
      const wrong = await run(join(bin, 'psql'), [
        uri.replace(`:${vars.POSTGRES_PASSWORD}@`, ':wrong@'),
        '-c',
        'SELECT 1',
      ]).catch((e: { stderr?: string }) => e);
      expect((wrong as { stderr?: string }).stderr).toMatch(/password authentication failed/);
    });

    it("the db service's health check command answers", async () => {
      const cfg = parseYaml(valid.out) as { services: Record<string, { healthcheck?: { test?: string[] } }> };
      const test = cfg.services.db?.healthcheck?.test ?? [];
      expect(test[0]).toBe('CMD-SHELL');
      const r = await run('sh', ['-c', (test[1] ?? '').replaceAll('$$', '$')], {
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          POSTGRES_USER: vars.POSTGRES_USER,
          POSTGRES_DB: vars.POSTGRES_DB,
          PGHOST: '127.0.0.1',
          PGPORT: String(port),
        },
      });
      expect(r.stdout).toMatch(/accepting connections/);
    });
  });
});
