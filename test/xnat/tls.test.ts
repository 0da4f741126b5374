import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XnatError } from '../../src/errors.js';
import { XnatSession } from '../../src/xnat/index.js';
import { XnatStandIn } from '../../src/xnat/testing/index.js';
import { smallArchive } from './helpers.js';

// A stand-in serving HTTPS with a committed self-signed test certificate (test/fixtures/tls/README.md),
// so the suite needs no openssl.

const TLS = join(import.meta.dirname, '../fixtures/tls');
let xnat: XnatStandIn;
let cert: Buffer;

beforeAll(async () => {
  cert = await readFile(join(TLS, 'self-signed.pem'));
  xnat = await XnatStandIn.start({
    description: smallArchive(),
    tls: { key: await readFile(join(TLS, 'self-signed-key.pem')), cert },
  });
});

afterAll(async () => {
  await xnat.close();
});

const base = () => ({
  server: xnat.url,
  user: 'admin',
  password: 'admin',
  netrc: false as const,
  env: {},
  retryDelayMs: 5,
});

describe('TLS options', () => {
  it('an untrusted certificate is a clear error at once (no retries)', async () => {
    const err = (await XnatSession.connect({ ...base(), retries: 3 }).catch((e: unknown) => e)) as XnatError;
    expect(err).toBeInstanceOf(XnatError);
    expect(err.message).toMatch(
      /cannot verify the TLS certificate of 127\.0\.0\.1:\d+ \(DEPTH_ZERO_SELF_SIGNED_CERT/,
    );
    expect(err.message).toContain('{ ca }');
    expect(xnat.stats.requests).toBe(0);
  });

  it('works with the server CA (ca) or without verification (verify: false), downloads included', async () => {
    for (const extra of [{ ca: cert }, { verify: false }]) {
      const s = await XnatSession.connect({ ...base(), ...extra });
      try {
        const j = await s.getJson<{ ResultSet: { Result: unknown[] } }>('/data/projects/P1/subjects');
        expect(j.ResultSet.Result).toHaveLength(3);
        const bytes = await s.request(
          '/data/experiments/XNAT_E00001/scans/2/files',
          { query: { format: 'zip' } },
          async (res) => (await res.arrayBuffer()).byteLength,
        );
        expect(bytes).toBeGreaterThan(2000); // 3 files of 700 bytes + zip headers
      } finally {
        await s.close();
      }
    }
  });
});
