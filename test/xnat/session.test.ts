import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, XnatAuthError, XnatError, XnatNotFoundError } from '../../src/errors.js';
import { type FetchLike, XnatSession, resolveXnatConfig } from '../../src/xnat/index.js';
import { parseNetrc } from '../../src/xnat/netrc.js';
import { identifierHash, showPatientIdentifiers } from '../../src/patient-identifiers.js';
import { parseServerUrl } from '../../src/xnat/config.js';
import { xnatServerMessage } from '../../src/xnat/http.js';
import type { XnatStandIn } from '../../src/xnat/testing/index.js';
import { startStandIn, tempDir } from './helpers.js';

let xnat: XnatStandIn | undefined;
let session: XnatSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
  await xnat?.close();
  xnat = undefined;
});

const listSubjects = (s: XnatSession) =>
  s.getJson<{ ResultSet: { Result: unknown[] } }>('/data/projects/P1/subjects');

describe('XnatSession: login and re-login', () => {
  it('logs in once and sends the JSESSION cookie, never Basic, afterwards', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    let basicSeen = 0;
    const spy: FetchLike = async (input, init) => {
      const h = new Headers(init?.headers);
      if (h.get('authorization')) basicSeen++;
      expect(h.get('user-agent')).not.toMatch(/Mozilla|AppleWebKit|MSIE|Opera/);
      return fetch(input, init);
    };
    session = await XnatSession.connect({ ...started.config, fetch: spy });
    for (let i = 0; i < 5; i++) expect((await listSubjects(session)).ResultSet.Result).toHaveLength(3);
    expect(xnat.stats.sessionsCreated).toBe(1);
    expect(basicSeen).toBe(1); // the login itself
    expect(session.stats.logins).toBe(1);
    expect(
      xnat.stats.log
        .filter((r) => r.url.startsWith('/data/projects/P1/subjects'))
        .every((r) => r.user === 'admin'),
    ).toBe(true);
  });

  it('wrong password: a clear XnatAuthError, one attempt only, no password in the message', async () => {
    const started = await startStandIn({}, { password: 'hunter2-wrong' });
    xnat = started.xnat;
    const err = await XnatSession.connect({ ...started.config, retries: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XnatAuthError);
    const e = err as XnatAuthError;
    expect(e.status).toBe(401);
    expect(e.message).toContain("user 'admin'");
    expect(e.message).toContain('Login attempt failed');
    expect(e.message).not.toContain('hunter2');
    expect(JSON.stringify({ ...e, stack: e.stack })).not.toContain('hunter2');
    expect(e.serverMessage).toBe('Login attempt failed. Please try again.');
    expect(xnat.stats.failedLogins).toBe(1);
  });

  it('logs in again once when the session expires, even with many requests in flight', async () => {
    const started = await startStandIn({}, { concurrency: 8 });
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    await listSubjects(session);
    xnat.expireSessions();
    const all = await Promise.all(Array.from({ length: 8 }, () => listSubjects(session!)));
    expect(all.every((r) => r.ResultSet.Result.length === 3)).toBe(true);
    expect(xnat.stats.sessionsCreated).toBe(2);
    expect(session.stats.logins).toBe(2);
  });

  it('logs retries and re-logins without credentials', async () => {
    const logs: string[] = [];
    const started = await startStandIn({}, { password: 'admin', log: (m) => logs.push(m) });
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    xnat.addFault({ match: '/data/projects/P1/subjects', status: 503, times: 1 });
    await listSubjects(session);
    xnat.expireSessions();
    await listSubjects(session);
    expect(logs.some((l) => /HTTP 503.*retry 1\/3/.test(l))).toBe(true);
    expect(logs.some((l) => /401.*logging in again/.test(l))).toBe(true);
    const basic = Buffer.from('admin:admin').toString('base64');
    expect(logs.join('\n')).not.toContain(basic);
    expect(logs.join('\n')).not.toMatch(/JSESSIONID|password/i);
    expect(JSON.stringify(session)).not.toContain('admin:admin');
  });

  it('log lines hash the subject and session labels of a URL unless identifiers are shown', async () => {
    const logs: string[] = [];
    const started = await startStandIn({}, { log: (m) => logs.push(m) });
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    const path = '/data/projects/P1/subjects/S01/experiments/S01_MR_1';
    xnat.addFault({ match: path, status: 503, times: 1 });
    await session.getJson(path);
    showPatientIdentifiers(true);
    try {
      xnat.addFault({ match: path, status: 503, times: 1 });
      await session.getJson(path);
    } finally {
      showPatientIdentifiers(false);
    }
    const [hidden, shown] = logs.filter((l) => /HTTP 503/.test(l));
    expect(hidden).toContain(
      `/data/projects/P1/subjects/${identifierHash('S01')}/experiments/${identifierHash('S01_MR_1')}?format=json: HTTP 503`,
    );
    expect(hidden).not.toMatch(/S01/);
    expect(shown).toContain(`${path}?format=json: HTTP 503`);
  });

  it('gives up with XnatAuthError when the server still answers 401 after a re-login', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    xnat.addFault({ match: '/data/projects/P1/subjects', status: 401 });
    const err = await listSubjects(session).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XnatAuthError);
    expect((err as XnatAuthError).url).toContain('/data/projects/P1/subjects');
    expect(xnat.stats.sessionsCreated).toBe(2); // exactly one re-login
  });

  it('keeps an idle session alive with a heartbeat (and without one it expires and is renewed)', async () => {
    const started = await startStandIn({ sessionTimeoutMs: 800 });
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    await new Promise((r) => setTimeout(r, 1300));
    await listSubjects(session);
    expect(xnat.stats.sessionsCreated).toBe(1);
    expect(xnat.stats.log.some((r) => r.method === 'GET' && r.url === '/data/JSESSION')).toBe(true);
    await session.close();

    session = await XnatSession.connect({ ...started.config, keepAlive: false });
    await new Promise((r) => setTimeout(r, 1000));
    await listSubjects(session);
    expect(xnat.stats.sessionsCreated).toBe(3); // second connect + one re-login
  });

  it('logs out on close; later requests fail clearly', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    expect(xnat.activeSessions).toBe(1);
    await session.close();
    expect(xnat.activeSessions).toBe(0);
    expect(xnat.stats.log.at(-1)).toMatchObject({ method: 'DELETE', url: '/data/JSESSION' });
    await expect(listSubjects(session)).rejects.toThrow(/closed/);
    await session.close(); // twice is fine
  });

  it('the keep-alive timer does not keep the process running', async () => {
    const started = await startStandIn({ sessionTimeoutMs: 60_000 });
    xnat = started.xnat;
    const { dir, cleanup } = await tempDir();
    try {
      const script = join(dir, 'client.mts');
      const mod = join(process.cwd(), 'src/xnat/index.ts');
      await writeFile(
        script,
        `import { XnatSession } from ${JSON.stringify(mod)};\n` +
          `const s = await XnatSession.connect({ server: ${JSON.stringify(xnat.url)}, user: 'admin', password: 'admin', netrc: false });\n` +
          `await s.getJson('/data/projects');\nconsole.log('done');\n`,
      );
      const t0 = Date.now();
      const code = await new Promise<number | null>((ok) => {
        const p = spawn(process.execPath, ['--import', 'tsx', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
        p.on('exit', (c) => {
          clearTimeout(kill);
          ok(c);
        });
      });
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(xnat.stats.sessionsCreated).toBe(1);
    } finally {
      await cleanup();
    }
  });
});

describe('XnatSession: retries, timeouts, errors', () => {
  it('retries 5xx with backoff, then succeeds', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    const f = xnat.addFault({ match: '/data/projects/P1/subjects', status: 503, times: 2 });
    expect((await listSubjects(session)).ResultSet.Result).toHaveLength(3);
    expect(f.hits).toBe(2);
    expect(session.stats.retries).toBe(2);
  });

  it('retries 429 (honouring Retry-After) and dropped connections', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    xnat.addFault({ match: '/data/projects/P1/subjects', status: 429, times: 1, retryAfter: 1 });
    const t0 = Date.now();
    await listSubjects(session);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    xnat.addFault({ match: '/data/projects/P1/subjects', drop: 'before-headers', times: 2 });
    expect((await listSubjects(session)).ResultSet.Result).toHaveLength(3);
    expect(session.stats.retries).toBe(3);
  });

  it('persistent 500: XnatError with status, URL and the <h3> message after retries+1 attempts', async () => {
    const started = await startStandIn({}, { retries: 2 });
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    const f = xnat.addFault({
      match: '/data/projects/P1/subjects',
      status: 500,
      message: 'Database is on fire',
    });
    const err = (await listSubjects(session).catch((e: unknown) => e)) as XnatError;
    expect(err).toBeInstanceOf(XnatError);
    expect(err.status).toBe(500);
    expect(err.url).toBe(`${xnat.url}/data/projects/P1/subjects?format=json`);
    expect(err.serverMessage).toBe('Database is on fire');
    expect(err.message).toContain('3 attempts');
    expect(f.hits).toBe(3);
  });

  it('404 is not retried and names the thing', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    const before = xnat.stats.requests;
    const err = (await session
      .getJson('/data/projects/NOPE/subjects', { what: "project 'NOPE'" })
      .catch((e: unknown) => e)) as XnatNotFoundError;
    expect(err).toBeInstanceOf(XnatNotFoundError);
    expect(err.message).toContain("project 'NOPE' not found");
    expect(err.serverMessage).toBe('Unable to identify project NOPE');
    expect(xnat.stats.requests - before).toBe(1);
  });

  it('per-request timeout, retried, then a clear error', async () => {
    const started = await startStandIn({}, { timeoutMs: 100, retries: 1 });
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    xnat.addFault({ match: '/data/projects/P1/subjects', latencyMs: 400 });
    const err = (await listSubjects(session).catch((e: unknown) => e)) as XnatError;
    expect(err).toBeInstanceOf(XnatError);
    expect(err.message).toMatch(/no answer within 100 ms/);
    expect(err.message).toContain('2 attempts');
  });

  it('an AbortSignal cancels without retrying', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect(started.config);
    xnat.addFault({ match: '/data/projects/P1/subjects', latencyMs: 300 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user stop')), 50);
    await expect(session.getJson('/data/projects/P1/subjects', { signal: ac.signal })).rejects.toThrow(
      'user stop',
    );
    expect(session.stats.retries).toBe(0);
  });

  it('bounds requests in flight (p-limit)', async () => {
    const started = await startStandIn({ latencyMs: 30 }, { concurrency: 3 });
    xnat = started.xnat;
    let inFlight = 0;
    let max = 0;
    const counting: FetchLike = async (input, init) => {
      inFlight++;
      max = Math.max(max, inFlight);
      try {
        const res = await fetch(input, init);
        await new Promise((r) => setTimeout(r, 5));
        return res;
      } finally {
        inFlight--;
      }
    };
    session = await XnatSession.connect({ ...started.config, fetch: counting });
    await Promise.all(Array.from({ length: 12 }, () => listSubjects(session!)));
    expect(max).toBe(3);
  });
});

describe('configuration', () => {
  it('reads XNAT_HOST / XNAT_USER / XNAT_PASS', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    session = await XnatSession.connect({
      env: { XNAT_HOST: xnat.url, XNAT_USER: 'admin', XNAT_PASS: 'admin' },
      netrc: false,
      project: 'P1',
    });
    expect((await listSubjects(session)).ResultSet.Result).toHaveLength(3);
  });

  it('reads ~/.netrc (by host and port, or default)', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    const { dir, cleanup } = await tempDir();
    try {
      const netrc = join(dir, 'netrc');
      await writeFile(
        netrc,
        `# comment\nmachine other.example.org login x password y\nmachine 127.0.0.1:${xnat.port}\n  login admin\n  password "admin"\n`,
      );
      session = await XnatSession.connect({ server: xnat.url, netrc, env: {} });
      expect(session.user).toBe('admin');
      await session.close();
      session = await XnatSession.connect({ server: xnat.url, env: { NETRC: netrc } });
      expect(session.user).toBe('admin');
    } finally {
      await cleanup();
    }
  });

  it('accepts alias-token credentials', async () => {
    const started = await startStandIn();
    xnat = started.xnat;
    const { alias, secret } = xnat.issueToken('admin');
    session = await XnatSession.connect({ server: xnat.url, alias, secret, netrc: false, env: {} });
    expect((await listSubjects(session)).ResultSet.Result).toHaveLength(3);
  });

  it('rejects missing server / credentials / bad options with ConfigError', async () => {
    await expect(resolveXnatConfig({ env: {} })).rejects.toThrow(ConfigError);
    await expect(resolveXnatConfig({ server: 'x.org', env: {}, netrc: false })).rejects.toThrow(
      /no credentials for x.org/,
    );
    await expect(
      resolveXnatConfig({ server: 'x.org', user: 'u', password: 'p', retries: -1, env: {} }),
    ).rejects.toThrow(/retries/);
    await expect(
      resolveXnatConfig({ server: 'ftp://x.org', user: 'u', password: 'p', env: {} }),
    ).rejects.toThrow(/http/);
    await expect(
      resolveXnatConfig({ server: 'x.org', user: 'u', password: 'p', userAgent: 'Mozilla/5.0', env: {} }),
    ).rejects.toThrow(/browser/);
  });

  it('parses server URLs (bare host → https, credentials split off)', () => {
    expect(parseServerUrl('xnat.example.org').url.toString()).toBe('https://xnat.example.org/');
    const p = parseServerUrl('https://bob:s%40cret@xnat.example.org/xnat/');
    expect(p.user).toBe('bob');
    expect(p.password).toBe('s@cret');
    expect(p.url.toString()).toBe('https://xnat.example.org/xnat/');
  });

  it('parses netrc files', () => {
    const n = parseNetrc(
      'machine a login u1 password p1\nmacdef init\ncd /x\n\ndefault login anon password "p w"\n',
    );
    expect(n.machines.get('a')).toEqual({ login: 'u1', password: 'p1' });
    expect(n.default).toEqual({ login: 'anon', password: 'p w' });
  });

  it('finds the server message in Restlet and Tomcat pages', () => {
    expect(
      xnatServerMessage('<html><body><h3>Unable to identify project X</h3><p>..</p></body></html>'),
    ).toBe('Unable to identify project X');
    expect(
      xnatServerMessage(
        '<html><body><h1>HTTP Status 401</h1><p><b>Message</b> Login attempt failed. Please try again.</p><h3>Apache Tomcat/9</h3></body></html>',
      ),
    ).toBe('Login attempt failed. Please try again.');
    expect(xnatServerMessage('plain words')).toBe('plain words');
  });
});
