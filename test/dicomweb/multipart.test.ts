import { describe, expect, it } from 'vitest';
import { DownloadTooLargeError } from '../../src/errors.js';
import {
  MultipartError,
  contentTypeParameter,
  multipartBody,
  parseMultipart,
  qidoParams,
  redactIdentifiers,
  resolveDicomwebConfig,
} from '../../src/dicomweb/index.js';
import { ConfigError } from '../../src/errors.js';

async function* chunks(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function parts(buf: Uint8Array, boundary: string, size: number, maxPartBytes?: number) {
  const out: { headers: Record<string, string>; body: string }[] = [];
  const o = maxPartBytes === undefined ? {} : { maxPartBytes };
  for await (const p of parseMultipart(chunks(buf, size), boundary, o))
    out.push({ headers: p.headers, body: Buffer.from(p.body).toString('latin1') });
  return out;
}

describe('multipart/related parser', () => {
  // Bodies that contain CR, LF, dashes and a near-boundary, to catch split-point bugs.
  const bodies = ['\r\n--abc\r\n--ab', '', 'x'.repeat(300) + '\r\n--b0und', '\r\n\r\n'];
  const wire = multipartBody(
    bodies.map((b) => ({ contentType: 'application/dicom', body: Buffer.from(b, 'latin1') })),
    'b0undary',
  );

  it('gives back the parts at every chunk size (1 byte to whole)', async () => {
    for (const size of [1, 2, 3, 5, 7, 11, 64, wire.length]) {
      const got = await parts(wire, 'b0undary', size);
      expect(
        got.map((p) => p.body),
        `chunk ${size}`,
      ).toEqual(bodies);
      expect(got[0]!.headers).toEqual({ 'content-type': 'application/dicom' });
    }
  });

  it('skips a preamble and an epilogue; transport padding after a delimiter', async () => {
    const text = 'preamble\r\n--B  \r\nContent-Type: a/b\r\n\r\nONE\r\n--B\r\n\r\nTWO\r\n--B--\r\nepilogue';
    const got = await parts(Buffer.from(text), 'B', 4);
    expect(got.map((p) => p.body)).toEqual(['ONE', 'TWO']);
    expect(got[1]!.headers).toEqual({});
  });

  it('a body cut anywhere before its closing boundary is a MultipartError', async () => {
    for (const cut of [0, 5, 40, wire.length - 3]) {
      await expect(parts(wire.subarray(0, cut), 'b0undary', 7), `cut ${cut}`).rejects.toThrow(MultipartError);
    }
  });

  it('a part over maxPartBytes is a DownloadTooLargeError; a bad header line a MultipartError', async () => {
    await expect(parts(wire, 'b0undary', 16, 100)).rejects.toThrow(DownloadTooLargeError);
    await expect(parts(Buffer.from('--B\r\nno colon here\r\n\r\nx\r\n--B--'), 'B', 8)).rejects.toThrow(
      MultipartError,
    );
  });

  it('reads boundary and type parameters, quoted or not', () => {
    const ct =
      'multipart/related; type="application/dicom"; boundary="a \\"b\\" c"; transfer-syntax=1.2.840.10008.1.2.1';
    expect(contentTypeParameter(ct, 'boundary')).toBe('a "b" c');
    expect(contentTypeParameter(ct, 'type')).toBe('application/dicom');
    expect(contentTypeParameter(ct, 'transfer-syntax')).toBe('1.2.840.10008.1.2.1');
    expect(contentTypeParameter('multipart/related', 'boundary')).toBeUndefined();
  });
});

describe('QIDO-RS queries and configuration', () => {
  it('builds standard keys, date ranges, includefield, limit and offset', () => {
    const q = qidoParams({
      PatientID: 'P*',
      StudyDate: { from: '2020-01-01', to: new Date(Date.UTC(2020, 11, 31)) },
      ModalitiesInStudy: 'MR',
      SeriesDescription: 'sag*t2?',
      match: { '00100040': 'F' },
      includefield: ['StudyDescription', '00081030'],
      limit: 10,
      offset: 20,
    });
    expect(q.toString()).toBe(
      'PatientID=P*&StudyDate=20200101-20201231&SeriesDescription=sag*t2%3F&ModalitiesInStudy=MR&00100040=F&includefield=StudyDescription&includefield=00081030&limit=10&offset=20',
    );
    expect(qidoParams({ SeriesDate: { to: '20191231' } }).get('SeriesDate')).toBe('-20191231');
    expect(qidoParams({ StudyDate: '20200101-' }).get('StudyDate')).toBe('20200101-');
    expect(qidoParams({ includefield: 'all' }).toString()).toBe('includefield=all');
  });

  it('refuses unknown keys, bad dates and bad paging', () => {
    expect(() => qidoParams({ PatientId: 'x' } as never)).toThrow(/put other attributes in \{ match/);
    expect(() => qidoParams({ StudyDate: '2020/01/01' })).toThrow(ConfigError);
    expect(() => qidoParams({ limit: 0 })).toThrow(/limit must be an integer ≥ 1/);
    expect(() => qidoParams({ StudyDate: {} })).toThrow(/from, to, or both/);
  });

  it('redacts identifying query values (by keyword or tag) from URLs', () => {
    expect(
      redactIdentifiers(
        'http://h/dicom-web/studies?PatientID=123&StudyDate=2020&00100010=DOE%5EJOHN&AccessionNumber=A7',
      ),
    ).toBe(
      'http://h/dicom-web/studies?PatientID=*redacted*&StudyDate=2020&00100010=*redacted*&AccessionNumber=*redacted*',
    );
    expect(redactIdentifiers('http://h/studies/1.2.3/series')).toBe('http://h/studies/1.2.3/series');
  });

  it('configuration: env fallbacks; user and token together, missing url or password refused', () => {
    const r = resolveDicomwebConfig({ env: { DICOMWEB_URL: 'http://u:p@pacs:8042/dicom-web/' } });
    expect(r.url).toBe('http://pacs:8042/dicom-web');
    expect(() => resolveDicomwebConfig({ env: {} })).toThrow(/no url/);
    expect(() =>
      resolveDicomwebConfig({ url: 'http://x', user: 'a', password: 'b', token: 't', env: {} }),
    ).toThrow(/both user\/password and token/);
    expect(() => resolveDicomwebConfig({ url: 'http://x', user: 'a', env: {} })).toThrow(/no password/);
    expect(() => resolveDicomwebConfig({ url: 'http://x', fetch, verify: false, env: {} })).toThrow(
      /either fetch or TLS/,
    );
    expect(() => resolveDicomwebConfig({ url: 'http://x', concurrency: 0, env: {} })).toThrow(/concurrency/);
  });
});
