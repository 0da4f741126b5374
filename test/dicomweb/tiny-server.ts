/**
 * A tiny DICOMweb server on 127.0.0.1 for tier-1 tests (Node only): QIDO-RS (exact matches on UIDs,
 * PatientID and Modality, limit/offset), WADO-RS series as multipart/related, Basic auth, and faults.
 * It serves real bundled DICOM files; attributes are read with dicom-parser.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import dicomParser from 'dicom-parser';

interface Instance {
  bytes: Buffer;
  attrs: Record<string, string>;
}

const TAGS: Record<string, [string, string]> = {
  PatientID: ['00100020', 'LO'],
  PatientName: ['00100010', 'PN'],
  StudyInstanceUID: ['0020000D', 'UI'],
  StudyDate: ['00080020', 'DA'],
  SeriesInstanceUID: ['0020000E', 'UI'],
  SOPInstanceUID: ['00080018', 'UI'],
  Modality: ['00080060', 'CS'],
  SeriesDescription: ['0008103E', 'LO'],
  SeriesNumber: ['00200011', 'IS'],
};

export interface TinyFaults {
  /** Answer this many WADO requests with 503. */
  wado503?: number;
  /** Cut every WADO body after this many bytes. */
  truncateAt?: number;
  /** Answer 406 to a WADO request asking for an explicit transfer syntax. */
  refuseTranscoding?: boolean;
}

export class TinyDicomweb {
  readonly instances: Instance[] = [];
  readonly requests: { url: string; accept: string; authorization: string }[] = [];
  faults: TinyFaults = {};
  #server: http.Server;

  private constructor() {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  static async start(files: string[]): Promise<TinyDicomweb> {
    const s = new TinyDicomweb();
    for (const f of files) {
      const bytes = await readFile(f);
      const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
      const attrs: Record<string, string> = {};
      for (const [k, [tag]] of Object.entries(TAGS))
        attrs[k] = (ds.string(`x${tag.toLowerCase()}`) ?? '').trim();
      s.instances.push({ bytes, attrs });
    }
    await new Promise<void>((ok) => s.#server.listen(0, '127.0.0.1', ok));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/dicom-web`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((ok) => this.#server.close(() => ok()));
  }

  #json(level: 'study' | 'series' | 'instance', i: Instance): Record<string, unknown> {
    const keys =
      level === 'study'
        ? ['PatientID', 'PatientName', 'StudyInstanceUID', 'StudyDate']
        : level === 'series'
          ? [
              'PatientID',
              'StudyInstanceUID',
              'SeriesInstanceUID',
              'Modality',
              'SeriesDescription',
              'SeriesNumber',
            ]
          : ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'];
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const [tag, vr] = TAGS[k]!;
      const v = i.attrs[k]!;
      out[tag] = { vr, Value: vr === 'PN' ? [{ Alphabetic: v }] : vr === 'IS' ? [Number(v)] : [v] };
    }
    return out;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    this.requests.push({ url: req.url ?? '', accept: String(req.headers.accept ?? ''), authorization: auth });
    if (auth !== `Basic ${Buffer.from('alice:pw').toString('base64')}`) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('credentials needed');
      return;
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const path = u.pathname.replace(/^\/dicom-web/, '');
    const m = /^(?:\/studies\/([^/]+))?(?:\/series\/([^/]+))?(?:\/(studies|series|instances))?$/.exec(path);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const [, study, series, level] = m;
    let list = this.instances.filter(
      (i) =>
        (study === undefined || i.attrs.StudyInstanceUID === study) &&
        (series === undefined || i.attrs.SeriesInstanceUID === series),
    );
    for (const k of ['PatientID', 'Modality', 'StudyInstanceUID', 'SeriesInstanceUID'])
      if (u.searchParams.has(k)) list = list.filter((i) => i.attrs[k] === u.searchParams.get(k));
    if (level !== undefined) {
      const lvl = level === 'studies' ? 'study' : level === 'series' ? 'series' : 'instance';
      const key =
        lvl === 'study' ? 'StudyInstanceUID' : lvl === 'series' ? 'SeriesInstanceUID' : 'SOPInstanceUID';
      const seen = new Set<string>();
      let rows = list.filter((i) => !seen.has(i.attrs[key]!) && seen.add(i.attrs[key]!));
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const limit = Number(u.searchParams.get('limit') ?? rows.length);
      rows = rows.slice(offset, offset + limit);
      res
        .writeHead(200, { 'Content-Type': 'application/dicom+json' })
        .end(JSON.stringify(rows.map((i) => this.#json(lvl, i))));
      return;
    }
    if (series === undefined || list.length === 0) {
      res.writeHead(404).end();
      return;
    }
    const accept = String(req.headers.accept ?? '');
    if (this.faults.refuseTranscoding && !/transfer-syntax=\*/.test(accept)) {
      res.writeHead(406, { 'Content-Type': 'text/plain' }).end('cannot transcode');
      return;
    }
    if ((this.faults.wado503 ?? 0) > 0) {
      this.faults.wado503!--;
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '0' }).end('busy');
      return;
    }
    const boundary = 'tiny-boundary-42';
    const pieces: Buffer[] = [];
    for (const i of list)
      pieces.push(
        Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
        i.bytes,
        Buffer.from('\r\n'),
      );
    pieces.push(Buffer.from(`--${boundary}--\r\n`));
    let body = Buffer.concat(pieces);
    res.writeHead(200, {
      'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
    });
    if (this.faults.truncateAt !== undefined) {
      body = body.subarray(0, this.faults.truncateAt);
      res.end(body);
      return;
    }
    res.end(body);
  }
}
