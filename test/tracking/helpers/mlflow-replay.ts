/**
 * Replays exchanges recorded from a real MLflow 2.9 server (test/fixtures/mlflow, see its README) against
 * a server under test and lists, per exchange, where the answer differs: status, Content-Type, the
 * recorded headers (`Allow` as a set, `Content-Disposition`, `X-Content-Type-Options`, `Location`), and
 * the body (JSON: every key present on one side only, every value, array lengths and order; text, HTML
 * and binary: byte for byte). Paths listed as `volatile` in the fixture (ids, server timestamps) are
 * skipped; run and experiment ids in later requests are mapped to the ones the server under test gave.
 * Requests go through `node:http` so that paths such as `/../` are sent as recorded, not normalised.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the recorded exchanges. */
export const MLFLOW_FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'mlflow',
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface RecordedMessage {
  method?: string;
  path?: string;
  status?: number;
  headers: Record<string, string>;
  bodyType: 'json' | 'text' | 'base64' | 'none' | 'omitted';
  body?: Json;
}

interface Exchange {
  note?: string;
  request: RecordedMessage & { method: string; path: string };
  response: RecordedMessage & { status: number };
}

/** One recorded scenario file. */
export interface Fixture {
  scenario: string;
  volatile: string[];
  exchanges: Exchange[];
}

/** What differed in one exchange. */
export interface ReplayResult {
  index: number;
  label: string;
  diffs: string[];
}

/** Reads one scenario file (`errors`, `runs-search`, ...). */
export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(MLFLOW_FIXTURES, `${name}.json`), 'utf8')) as Fixture;
}

const HEX = /[0-9a-f]{32}/g;

/** Id mapping between the recording and the server under test, kept across scenario files. */
export class IdMap {
  readonly experiments = new Map<string, string>([['0', '0']]);
  readonly runs = new Map<string, string>();

  /** Replaces the recorded run ids in a text by the server's (also inside `%27<id>%27`). */
  run(s: string): string {
    let out = s;
    for (const [real, mine] of this.runs) out = out.split(real).join(mine);
    return out;
  }
  runBack(s: string): string {
    let out = s;
    for (const [real, mine] of this.runs) out = out.split(mine).join(real);
    return out;
  }
  experiment<T>(v: T): T {
    if (typeof v === 'number') return Number(this.experiments.get(String(v)) ?? v) as T;
    if (typeof v === 'string') return (this.experiments.get(v) ?? v) as T;
    return v;
  }
  path(p: string): string {
    const e = (id: string) => this.experiment(id);
    return this.run(p)
      .replace(/([?&]experiment_id=)(\d+)/g, (_, a: string, b: string) => a + e(b))
      .replace(/(mlflow-artifacts\/artifacts\/)(\d+)\//, (_, a: string, b: string) => `${a}${e(b)}/`)
      .replace(/(mlflow-artifacts\/mpu\/create\/)(\d+)\//, (_, a: string, b: string) => `${a}${e(b)}/`)
      .replace(/([?&]path=)(\d+)(%2F|&|$)/, (_, a: string, b: string, c: string) => a + e(b) + c);
  }
  body(v: Json, key?: string): Json {
    if (typeof v === 'string') {
      if (key === 'experiment_id') return this.experiment(v);
      return this.run(v).replace(
        /mlflow-artifacts:\/(\d+)\//,
        (_, b: string) => `mlflow-artifacts:/${this.experiment(b)}/`,
      );
    }
    if (typeof v === 'number' && key === 'experiment_id') return this.experiment(v);
    if (Array.isArray(v)) return v.map((x) => (key === 'experiment_ids' ? this.experiment(x) : this.body(x)));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.body(x, k)]));
    return v;
  }
  /** Learns ids from a recorded answer and the server's answer to the same request. */
  learn(real: Json | undefined, mine: Json | undefined): void {
    if (real === null || mine === null || typeof real !== 'object' || typeof mine !== 'object') return;
    if (mine === undefined) return;
    if (Array.isArray(real)) {
      if (Array.isArray(mine)) real.forEach((x, i) => this.learn(x, mine[i]));
      return;
    }
    if (Array.isArray(mine)) return;
    for (const [k, v] of Object.entries(real)) {
      const w = mine[k];
      if ((k === 'run_id' || k === 'run_uuid') && typeof v === 'string' && typeof w === 'string')
        this.runs.set(v, w);
      else if (k === 'experiment_id' && typeof v === 'string' && typeof w === 'string') {
        if (!this.experiments.has(v)) this.experiments.set(v, w);
      } else this.learn(v, w);
    }
  }
}

const seg = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length <= 160 ? s : `${s.slice(0, 60)}…(${s.length} chars)…${s.slice(-90)}`;
};

function jsonDiff(a: Json, b: Json, path: string, vol: Set<string>, ids: IdMap, out: string[]): void {
  if (vol.has(path)) return;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    out.push(`${path}: real ${show(a)} | stand-in ${show(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: real ${a.length} items | stand-in ${b.length} items`);
    for (let i = 0; i < Math.min(a.length, b.length); i++)
      jsonDiff(a[i] as Json, b[i] as Json, `${path}[${i}]`, vol, ids, out);
    return;
  }
  if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object' && !Array.isArray(b)) {
    const ra = a as Record<string, Json>;
    for (const k of new Set([...Object.keys(ra), ...Object.keys(b)])) {
      if (!(k in b)) out.push(`${path}${seg(k)}: only real (${show(ra[k])})`);
      else if (!(k in ra)) out.push(`${path}${seg(k)}: only stand-in (${show(b[k])})`);
      else jsonDiff(ra[k] as Json, b[k] as Json, path + seg(k), vol, ids, out);
    }
    return;
  }
  if (a === b) return;
  if (typeof a === 'string' && typeof b === 'string' && ids.runBack(b) === a) return;
  out.push(`${path}: real ${show(a)} | stand-in ${show(b)}`);
}

function send(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: base.pathname.replace(/\/$/, '') + path,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The big log-batch body that the fixture does not store (its `bodyRecipe`). */
function bigBatch(runId: string): Json {
  return {
    run_id: runId,
    params: Array.from({ length: 100 }, (_, i) => ({
      key: `big_p${String(i).padStart(3, '0')}`,
      value: 'x'.repeat(6000),
    })),
    tags: Array.from({ length: 100 }, (_, i) => ({
      key: `big_t${String(i).padStart(3, '0')}`,
      value: 'y'.repeat(5000),
    })),
  };
}

/**
 * Sends every exchange of `fixture`, in order, to the server at `url`, and returns the exchanges whose
 * answers differ. `substitute` replaces placeholders (`<ARTIFACT_ROOT>`, `<TRACKING_URI>`) in recorded
 * answers.
 */
export async function replay(
  url: string,
  fixture: Fixture,
  ids: IdMap,
  substitute: Record<string, string> = {},
): Promise<ReplayResult[]> {
  const base = new URL(url);
  const vol = new Set(fixture.volatile);
  const sub = (s: string) => Object.entries(substitute).reduce((t, [k, v]) => t.split(k).join(v), s);
  const out: ReplayResult[] = [];
  for (const [index, e] of fixture.exchanges.entries()) {
    const rq = e.request;
    const headers: Record<string, string> = {};
    if (rq.headers['content-type'] !== undefined) headers['content-type'] = rq.headers['content-type'];
    let body: Buffer | undefined;
    if (rq.bodyType === 'json') body = Buffer.from(JSON.stringify(ids.body(rq.body ?? null)));
    else if (rq.bodyType === 'text') body = Buffer.from(ids.run(String(rq.body)));
    else if (rq.bodyType === 'base64') body = Buffer.from(String(rq.body), 'base64');
    else if (rq.bodyType === 'omitted') {
      const prev = fixture.exchanges[index - 1]?.response.body as { run: { info: { run_id: string } } };
      body = Buffer.from(JSON.stringify(bigBatch(ids.run(prev.run.info.run_id))));
    }
    const res = await send(base, rq.method, ids.path(rq.path), headers, body);
    const real = e.response;
    const diffs: string[] = [];
    let mine: Json | undefined;
    const ctype = res.headers['content-type'] ?? '';
    if ((ctype.startsWith('application/json') || real.bodyType === 'json') && res.body.length > 0) {
      try {
        mine = JSON.parse(res.body.toString('utf8')) as Json;
      } catch {
        if (ctype.startsWith('application/json'))
          diffs.push(`body: not JSON although sent as application/json`);
      }
    }
    if (real.bodyType === 'json') ids.learn(real.body, mine);
    if (real.status !== res.status) diffs.push(`status: real ${real.status} | stand-in ${res.status}`);
    for (const [name, recorded] of Object.entries(real.headers)) {
      const got = res.headers[name];
      const volatile = vol.has(`$.exchanges[${index}].response.headers.${name}`);
      const norm = (s: string | undefined) =>
        name === 'allow' ? (s ?? '').split(/,\s*/).sort().join(', ') : (s ?? '');
      if (
        !(volatile && name !== 'allow') &&
        norm(sub(recorded)) !== norm(typeof got === 'string' ? got : got?.[0])
      )
        diffs.push(`${name}: real ${recorded} | stand-in ${String(got)}`);
    }
    for (const name of ['allow', 'content-disposition', 'location'])
      if (real.headers[name] === undefined && res.headers[name] !== undefined)
        diffs.push(`${name}: only stand-in (${String(res.headers[name])})`);
    const pre = `$.exchanges[${index}].response.body`;
    if (real.bodyType === 'json') {
      if (mine === undefined) diffs.push(`body: real JSON | stand-in ${show(res.body.toString('utf8'))}`);
      else jsonDiff(JSON.parse(sub(JSON.stringify(real.body))) as Json, mine, pre, vol, ids, diffs);
    } else {
      const expected =
        real.bodyType === 'base64'
          ? Buffer.from(String(real.body), 'base64')
          : Buffer.from(real.bodyType === 'none' ? '' : sub(String(real.body)));
      const got = rq.method === 'HEAD' ? Buffer.alloc(0) : res.body;
      if (!vol.has(pre) && !expected.equals(got) && ids.runBack(got.toString('utf8')) !== expected.toString())
        diffs.push(`body: real ${show(expected.toString('utf8'))} | stand-in ${show(got.toString('utf8'))}`);
    }
    if (diffs.length > 0)
      out.push({
        index,
        label: `[${index}] ${e.note ?? ''} :: ${rq.method} ${rq.path.replace(HEX, 'RUN')}`,
        diffs,
      });
  }
  return out;
}
