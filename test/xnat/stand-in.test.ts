import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XnatStandIn } from '../../src/xnat/testing/index.js';
import { smallArchive } from './helpers.js';

let xnat: XnatStandIn;
const basic = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
const UA = 'csc-mlops-test';

beforeAll(async () => {
  xnat = await XnatStandIn.start({ description: smallArchive() });
});
afterAll(async () => {
  await xnat.close();
});

async function get(
  path: string,
  headers: Record<string, string> = { Authorization: basic },
  init: RequestInit = {},
) {
  const res = await fetch(`${xnat.url}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { 'User-Agent': UA, ...headers },
  });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}
const rows = async (path: string) =>
  JSON.parse((await get(path)).body.toString()).ResultSet.Result as Record<string, string>[];

function zipEntries(buf: Buffer): Promise<{ name: string; method: number; size: number }[]> {
  return new Promise((ok, fail) =>
    yauzl.fromBuffer(buf, { lazyEntries: false }, (err, zip) => {
      if (err) return fail(err);
      const out: { name: string; method: number; size: number }[] = [];
      zip.on('entry', (e: yauzl.Entry) =>
        out.push({ name: e.fileName, method: e.compressionMethod, size: e.uncompressedSize }),
      );
      zip.on('end', () => ok(out));
      zip.on('error', fail);
    }),
  );
}

describe('stand-in authentication', () => {
  it('401 with a Basic challenge for API clients, 302 to the login page for browsers', async () => {
    const a = await get('/data/projects', {});
    expect(a.res.status).toBe(401);
    expect(a.res.headers.get('www-authenticate')).toBe('Basic realm="XNAT"');
    expect(a.res.headers.get('content-type')).toMatch(/text\/html/);
    const b = await get('/data/projects', { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect(b.res.status).toBe(302);
    expect(b.res.headers.get('location')).toBe('/app/template/Login.vm');
    const c = await get('/data/projects', {
      Authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}`,
    });
    expect(c.res.status).toBe(401);
    expect(c.body.toString()).toContain('Login attempt failed. Please try again.');
  });

  it('JSESSION: POST creates, the cookie authenticates, GET returns it, DELETE ends it', async () => {
    const { res, body } = await get('/data/JSESSION', { Authorization: basic }, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const id = body.toString();
    expect(id).toMatch(/^[0-9A-F]{32}$/);
    const cookies = res.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith(`JSESSIONID=${id};`))).toBe(true);
    expect(cookies.some((c) => /^SESSION_EXPIRATION_TIME="\d+,900000"/.test(c))).toBe(true);
    const cookie = { Cookie: `JSESSIONID=${id}` };
    expect((await get('/data/JSESSION', cookie)).body.toString()).toBe(id);
    expect((await get('/data/JSESSION?CSRF=true', cookie)).body.toString()).toMatch(
      new RegExp(`^${id}; XNAT_CSRF=`),
    );
    expect((await get('/data/auth', cookie)).body.toString()).toBe("User 'admin' is logged in");
    expect((await get('/data/JSESSION', cookie, { method: 'DELETE' })).res.status).toBe(200);
    expect((await get('/data/projects', cookie)).res.status).toBe(401);
  });

  it('form login at /data/services/auth, and alias tokens', async () => {
    const ok = await get(
      '/data/services/auth',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      { method: 'PUT', body: 'username=admin&password=admin' },
    );
    expect(ok.body.toString()).toMatch(/^[0-9A-F]{32}$/);
    const bad = await get(
      '/data/services/auth',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      { method: 'POST', body: 'username=admin&password=x' },
    );
    expect(bad.res.status).toBe(401);
    expect(bad.body.toString()).toContain('<h3>Authentication failed.</h3>');
    const token = JSON.parse((await get('/data/services/tokens/issue')).body.toString());
    expect(Object.keys(token).sort()).toEqual(
      [
        'alias',
        'created',
        'disabled',
        'enabled',
        'estimatedExpirationTime',
        'id',
        'secret',
        'singleUse',
        'timestamp',
        'validIPAddresses',
        'xdatUserId',
      ].sort(),
    );
    expect(token.secret).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(
      JSON.parse(
        (await get(`/data/services/tokens/validate/${token.alias}/${token.secret}`)).body.toString(),
      ),
    ).toEqual({ valid: 'admin' });
    const viaToken = await get('/data/projects', {
      Authorization: `Basic ${Buffer.from(`${token.alias}:${token.secret}`).toString('base64')}`,
    });
    expect(viaToken.res.status).toBe(200);
    expect(
      (await get(`/data/services/tokens/invalidate/${token.alias}/${token.secret}`)).body.toString(),
    ).toBe('{"result": "OK"}');
    expect(
      (
        await get('/data/projects', {
          Authorization: `Basic ${Buffer.from(`${token.alias}:${token.secret}`).toString('base64')}`,
        })
      ).res.status,
    ).toBe(401);
  });
});

describe('stand-in routes and listings', () => {
  it('resolves subjects by label or ID, experiments by ID or label; /data/experiments/{E} by ID only', async () => {
    expect((await rows('/data/projects/P1/subjects/S02/experiments')).map((r) => r.label)).toEqual([
      'S02_MR_1',
      'S02_MR_2',
    ]);
    expect(
      (await rows('/data/archive/projects/P1/subjects/XNAT_S00002/experiments')).map((r) => r.ID),
    ).toEqual(['XNAT_E00003', 'XNAT_E00004']);
    expect(
      (await rows('/REST/projects/P1/subjects/S02/experiments/S02_MR_2/scans')).map((r) => r.ID),
    ).toEqual(['1', '3']);
    expect((await rows('/data/projects/P1/experiments/XNAT_E00004/scans')).map((r) => r.type)).toEqual([
      'localizer',
      'sag_t2_tse',
    ]);
    const byLabel = await get('/data/experiments/S02_MR_2/scans');
    expect(byLabel.res.status).toBe(404);
    expect(byLabel.body.toString()).toContain('<h3>Unable to find the specified experiment.</h3>');
    const noProject = await get('/data/projects/NOPE/subjects');
    expect(noProject.body.toString()).toContain('<h3>Unable to identify project NOPE</h3>');
    const noSubject = await get('/data/projects/P1/subjects/NOPE/experiments');
    expect(noSubject.body.toString()).toContain('<h3>Unable to identify subject NOPE</h3>');
  });

  it('filters, paging (no totalRecords), sorting, unknown columns skipped, csv', async () => {
    expect((await rows('/data/projects/P1/subjects?label=S01,S03')).map((r) => r.label)).toEqual([
      'S01',
      'S03',
    ]);
    expect((await rows('/data/projects/P1/subjects?label=S0*')).length).toBe(3);
    expect(
      (await rows('/data/projects/P1/subjects?sortBy=label&sortOrder=DESC')).map((r) => r.label),
    ).toEqual(['S03', 'S02', 'S01']);
    const paged = (await get('/data/projects/P1/subjects?format=json&limit=2&offset=1')).body.toString();
    expect(JSON.parse(paged).ResultSet.Result.map((r: { label: string }) => r.label)).toEqual(['S02', 'S03']);
    expect(paged).not.toContain('totalRecords');
    expect(
      JSON.parse((await get('/data/projects/P1/subjects?format=json')).body.toString()).ResultSet
        .totalRecords,
    ).toBe('3');
    const cols = await rows('/data/projects/P1/subjects?columns=label,nonsense');
    expect(Object.keys(cols[0]!)).toEqual(['label', 'URI']);
    const csv = (await get('/data/projects/P1/subjects?format=csv&columns=ID,label')).body.toString();
    expect(csv.split('\n')[0]).toBe('ID,label,URI');
    expect(csv.split('\n')[1]).toBe('XNAT_S00001,S01,/data/subjects/XNAT_S00001');
  });

  it('items: JSON with format=json, HTML otherwise', async () => {
    const item = JSON.parse((await get('/data/projects/P1/subjects/S01?format=json')).body.toString());
    expect(item.items[0].data_fields).toMatchObject({ ID: 'XNAT_S00001', label: 'S01', project: 'P1' });
    expect(item.items[0].meta['xsi:type']).toBe('xnat:subjectData');
    expect((await get('/data/projects/P1/subjects/S01')).res.headers.get('content-type')).toMatch(
      /text\/html/,
    );
  });

  it('scan zips: XNAT folder layout, STORED entries, attachment name with the trailing ";", streamed', async () => {
    const { res, body } = await get('/data/experiments/XNAT_E00002/scans/1,sag_t2_tse/files?format=zip');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="S01_MR_2.zip";');
    expect(res.headers.get('content-length')).toBeNull();
    const entries = await zipEntries(body);
    expect(entries.map((e) => e.name)).toEqual([
      'S01_MR_2/scans/1-localizer/resources/DICOM/files/1_1.dcm',
      'S01_MR_2/scans/3-sag_t2_tse/resources/DICOM/files/3_1.dcm',
      'S01_MR_2/scans/3-sag_t2_tse/resources/DICOM/files/3_2.dcm',
      'S01_MR_2/scans/3-sag_t2_tse/resources/DICOM/files/3_3.dcm',
      'S01_MR_2/scans/3-sag_t2_tse/resources/DICOM/files/3_4.dcm',
    ]);
    expect(entries.every((e) => e.method === 0)).toBe(true);
    const all = await zipEntries(
      (await get('/data/experiments/XNAT_E00002/scans/ALL/resources/DICOM/files?format=zip')).body,
    );
    expect(all).toHaveLength(5);
    const simplified = await zipEntries(
      (await get('/data/experiments/XNAT_E00002/scans/3/files?format=zip&structure=simplified')).body,
    );
    expect(simplified[0]!.name).toBe('S01_MR_2/scans/3-sag_t2_tse/DICOM/3_1.dcm');
    expect((await get('/data/experiments/XNAT_E00002/scans/9/files?format=zip')).res.status).toBe(404);
  });

  it('single files: raw bytes with Last-Modified', async () => {
    const { res, body } = await get('/data/experiments/XNAT_E00002/scans/3/resources/DICOM/files/3_2.dcm');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('last-modified')).toBeTruthy();
    expect(body.toString()).toContain('scan 3 file 2');
    expect(
      (await get('/data/experiments/XNAT_E00002/scans/3/resources/DICOM/files/nope.dcm')).body.toString(),
    ).toContain('Unable to find file.');
  });
});
