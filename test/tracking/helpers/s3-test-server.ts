/**
 * An S3 endpoint for tests: s3rver (storage) behind a proxy that verifies every request's SigV4
 * signature by re-signing it with botocore (`/usr/bin/python3` + Debian's python3-botocore), because
 * s3rver 3.7 does not check V4 signatures itself. A wrong key, secret, region, date or canonical request
 * gets S3's 403 `SignatureDoesNotMatch` XML, as from MinIO.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';
export const S3_REGION = 'us-east-1';

/** A running verified S3 endpoint. */
export interface S3TestServer {
  /** Endpoint of the verifying proxy (what clients use as `MLFLOW_S3_ENDPOINT_URL`). */
  endpoint: string;
  /** Endpoint of s3rver itself (no signature checks). */
  rawEndpoint: string;
  /** Requests that passed the signature check. */
  verified: { method: string; path: string; canonicalRequest: string }[];
  /** Requests refused, with the reason. */
  rejected: { method: string; path: string; reason: string }[];
  /** s3rver's storage folder. */
  directory: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>0</RequestId></Error>`;
}

/** Starts s3rver and the verifying proxy on 127.0.0.1. */
export async function startS3TestServer(buckets: string[] = []): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'csc-s3rver-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port: rawPort } = await s3.run();
  const py: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', [join(here, 'sigv4_check.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let pyErr = '';
  py.stderr.on('data', (d: Buffer) => (pyErr += d.toString()));
  const lines = createInterface({ input: py.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  let chain: Promise<unknown> = Promise.resolve();
  const verify = (req: object): Promise<{ ok: boolean; reason: string; canonical_request?: string }> => {
    const p = chain.then(
      () =>
        new Promise<{ ok: boolean; reason: string; canonical_request?: string }>((resolve, reject) => {
          if (py.exitCode !== null) return reject(new Error(`sigv4_check.py exited: ${pyErr}`));
          waiting.push((l) => resolve(JSON.parse(l) as { ok: boolean; reason: string }));
          py.stdin.write(`${JSON.stringify(req)}\n`);
        }),
    );
    chain = p.catch(() => undefined);
    return p;
  };
  const verified: S3TestServer['verified'] = [];
  const rejected: S3TestServer['rejected'] = [];
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
        const method = req.method ?? 'GET';
        const path = req.url ?? '/';
        const refuse = (status: number, code: string, msg: string) => {
          rejected.push({ method, path, reason: code });
          res.writeHead(status, { 'Content-Type': 'application/xml' });
          res.end(method === 'HEAD' ? undefined : s3Error(code, msg));
        };
        if (!headers.authorization)
          return refuse(403, 'AccessDenied', 'Anonymous access is forbidden for this operation');
        const sha = headers['x-amz-content-sha256'];
        if (sha === undefined)
          return refuse(
            400,
            'InvalidRequest',
            'Missing required header for this request: x-amz-content-sha256',
          );
        if (/^[0-9a-f]{64}$/.test(sha) && createHash('sha256').update(body).digest('hex') !== sha) {
          return refuse(
            400,
            'XAmzContentSHA256Mismatch',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
          );
        }
        if (headers['content-length'] !== undefined && Number(headers['content-length']) !== body.length) {
          return refuse(
            400,
            'IncompleteBody',
            'You did not provide the number of bytes specified by the Content-Length HTTP header.',
          );
        }
        const result = await verify({
          method,
          url: `http://${headers.host}${path}`,
          headers,
          access_key: S3_ACCESS_KEY,
          secret: S3_SECRET_KEY,
          region: S3_REGION,
        });
        if (!result.ok) {
          return refuse(
            403,
            result.reason || 'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
          );
        }
        verified.push({ method, path, canonicalRequest: result.canonical_request ?? '' });
        const fwd = http.request(
          {
            host: '127.0.0.1',
            port: rawPort,
            method,
            path,
            headers: { ...req.headers, host: `127.0.0.1:${rawPort}` },
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        fwd.on('error', (e) => refuse(502, 'InternalError', String(e)));
        fwd.end(body);
      })();
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    rawEndpoint: `http://127.0.0.1:${rawPort}`,
    verified,
    rejected,
    directory,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      py.stdin.end();
      py.kill();
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
