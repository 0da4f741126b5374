/**
 * An S3 endpoint for tests: s3rver (storage) behind a proxy that verifies every request's SigV4
 * signature by re-signing it with the AWS SDK's own signer (`@smithy/signature-v4` with
 * `@aws-crypto/sha256-js`), an implementation independent of the client's (aws4fetch), because s3rver 3.7
 * does not check V4 signatures itself. A wrong key, secret, region, date or canonical request gets S3's
 * 403 `SignatureDoesNotMatch` XML, as from MinIO. Node alone: nothing from apt or Python.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  verified: { method: string; path: string; payloadHash: string }[];
  /** Requests refused, with the reason. */
  rejected: { method: string; path: string; reason: string }[];
  /** s3rver's storage folder. */
  directory: string;
  close(): Promise<void>;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Re-signs the request as S3 would (only the headers the client signed, its own date) and compares.
 * Returns '' when the signature matches, else S3's error code.
 */
async function verifySignature(
  method: string,
  rawPath: string,
  headers: Record<string, string>,
): Promise<string> {
  const m = AUTH.exec(headers.authorization ?? '');
  if (!m) return 'AuthorizationHeaderMalformed';
  const [, accessKey, day, region, service, signed = '', provided] = m;
  if (accessKey !== S3_ACCESS_KEY) return 'InvalidAccessKeyId';
  if (region !== S3_REGION || service !== 's3') return 'AuthorizationHeaderMalformed';
  const amzDate = headers['x-amz-date'] ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date || !amzDate.startsWith(day ?? '')) return 'AuthorizationHeaderMalformed';
  const names = signed.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'AccessDenied';
  const signedHeaders: Record<string, string> = {};
  for (const n of names) {
    const v = headers[n];
    if (v === undefined) return 'AccessDenied';
    signedHeaders[n] = v;
  }
  const url = new URL(rawPath, 'http://s3.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const had = query[k];
    query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
    region: S3_REGION,
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
  const [, y, mo, d, h, mi, se] = date.map(Number);
  const again = await signer.sign(
    { method, protocol: 'http:', hostname: 's3.invalid', path: url.pathname, query, headers: signedHeaders },
    {
      signingDate: new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, se)),
      signableHeaders: new Set(names),
    },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(again.headers.authorization))?.[1];
  return expected === provided ? '' : 'SignatureDoesNotMatch';
}

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
        const reason = await verifySignature(method, path, headers);
        if (reason !== '') {
          return refuse(
            403,
            reason,
            'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
          );
        }
        verified.push({ method, path, payloadHash: sha });
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
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
