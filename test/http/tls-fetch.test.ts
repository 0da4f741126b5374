import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomwebClient, DicomwebError } from '../../src/dicomweb/index.js';
import { MlflowError } from '../../src/errors.js';
import { createTlsFetch } from '../../src/http/tls-fetch.js';
import { MlflowHttp } from '../../src/tracking/mlflow-http.js';
import { tlsFetchFromEnv } from '../../src/tracking/tls-fetch.js';

// A real HTTPS server on 127.0.0.1 with a certificate from a test CA (test/fixtures/tls).

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const CA = readFileSync(fixture('ca.pem'));
const TAIL = Buffer.alloc(8 * 1024, 0x62);
const HEAD = Buffer.alloc(256 * 1024, 0x61);

let server: Server;
let base: string;
let connections = 0;

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  if (url.pathname === '/hello') {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.setHeader('x-client', peer?.subject?.CN ?? 'none');
    res.end('hello');
  } else if (url.pathname === '/redirect') {
    res.writeHead(302, { location: '/hello' }).end();
  } else if (url.pathname === '/echo') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.pipe(res);
  } else if (url.pathname === '/close-early') {
    // The whole body is sent and the connection closed while the client is still reading it.
    res.writeHead(200, { 'content-length': HEAD.length + TAIL.length, connection: 'close' });
    res.write(HEAD);
    setTimeout(() => res.end(TAIL), 100);
  } else res.writeHead(404).end('no such route');
}

beforeAll(async () => {
  server = createServer(
    {
      key: readFileSync(fixture('server-key.pem')),
      cert: readFileSync(fixture('server.pem')),
      ca: CA,
      requestCert: true,
      rejectUnauthorized: false,
    },
    route,
  );
  server.on('secureConnection', () => connections++);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

const slowly = async (body: ReadableStream<Uint8Array>): Promise<number> => {
  let n = 0;
  for await (const chunk of body) {
    n += chunk.byteLength;
    await new Promise((r) => setTimeout(r, 40));
  }
  return n;
};

describe('createTlsFetch (Node fetch with an undici Agent)', () => {
  it('trusts the given CA, sends a client certificate, and keeps the connection alive', async () => {
    const fetch = createTlsFetch({
      ca: CA,
      cert: readFileSync(fixture('client.pem')),
      key: readFileSync(fixture('client-key.pem')),
    });
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${base}/hello`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('hello');
      expect(r.headers.get('x-client')).toBe('csc-mlops test client');
      await new Promise((ok) => setTimeout(ok, 20)); // the socket goes back to the pool
    }
    expect(connections - before).toBe(1);
  });

  it('follows a redirect', async () => {
    const r = await createTlsFetch({ ca: CA })(`${base}/redirect`);
    expect(r.redirected).toBe(true);
    expect(r.url).toBe(`${base}/hello`);
    expect(await r.text()).toBe('hello');
  });

  it('streams a request body (ReadableStream) and the response back', async () => {
    const parts = ['a'.repeat(100_000), 'b'.repeat(100_000), 'c'];
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const r = await createTlsFetch({ ca: CA })(`${base}/echo`, { method: 'POST', body });
    expect(await slowly(r.body!)).toBe(200_001);
  });

  it('a slow reader gets the whole body of a response whose server closes the connection meanwhile', async () => {
    // undici ≥ 6.26 throws an uncatchable assert(!this.paused) here (nodejs/undici#5360).
    const r = await createTlsFetch({ ca: CA })(`${base}/close-early`);
    expect(await slowly(r.body!)).toBe(HEAD.length + TAIL.length);
  });

  it('verify off (rejectUnauthorized: false) reaches the server without the CA', async () => {
    const r = await createTlsFetch({ rejectUnauthorized: false })(`${base}/hello`);
    expect(await r.text()).toBe('hello');
  });

  it('an untrusted certificate fails with its code, and the clients name the option or variable to set', async () => {
    const e = (await createTlsFetch({})(`${base}/hello`).catch((x: unknown) => x)) as TypeError;
    expect((e.cause as { code?: string }).code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    const dicomweb = new DicomwebClient({ url: `${base}/dicom-web`, env: {}, retries: 2, retryDelayMs: 1 });
    const de = (await dicomweb.searchStudies().catch((x: unknown) => x)) as DicomwebError;
    expect(de).toBeInstanceOf(DicomwebError);
    expect(de.message).toMatch(
      /cannot verify the TLS certificate of 127\.0\.0\.1:\d+ \(SELF_SIGNED_CERT_IN_CHAIN/,
    );
    expect(de.message).toContain('{ ca }');
    expect(dicomweb.stats.retries).toBe(0);
    const mlflow = new MlflowHttp({ env: {}, retry: { maxRetries: 0 } });
    const me = (await mlflow
      .send({ method: 'GET', url: `${base}/hello` })
      .catch((x: unknown) => x)) as MlflowError;
    expect(me).toBeInstanceOf(MlflowError);
    expect(me.message).toContain('set MLFLOW_TRACKING_SERVER_CERT_PATH');
    // ...and with that variable set, the same request goes through.
    const viaEnv = tlsFetchFromEnv({ MLFLOW_TRACKING_SERVER_CERT_PATH: fixture('ca.pem') })!;
    expect(await (await viaEnv(`${base}/hello`)).text()).toBe('hello');
  });

  it('does not take over the process-wide dispatcher, and idle sockets do not keep the process alive', async () => {
    const script = `
      import { createTlsFetch } from ${JSON.stringify(new URL('../../src/http/tls-fetch.ts', import.meta.url).href)};
      import { readFileSync } from 'node:fs';
      const fetch = createTlsFetch({ ca: readFileSync(${JSON.stringify(fixture('ca.pem'))}) });
      const r = await fetch(${JSON.stringify(`${base}/hello`)});
      const d = globalThis[Symbol.for('undici.globalDispatcher.1')];
      const { Agent } = await import('undici');
      console.log(await r.text(), d instanceof Agent ? 'package-dispatcher' : 'node-dispatcher', Date.now());
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 20_000 },
    );
    const exited = Date.now();
    const [text, dispatcher, done] = stdout.trim().split(' ');
    expect([text, dispatcher]).toEqual(['hello', 'node-dispatcher']);
    // undici keeps an idle socket open for 4 s, unref'd: the child exits at once after its last line.
    expect(exited - Number(done)).toBeLessThan(2_000);
  }, 30_000);
});
