/**
 * NIfTI read speed: our reader vs nifti-reader-js's read path vs the floor (gunzip + one pass that
 * converts to float32 C order). Run: `npx tsx benchmarks/io.ts [FILE...]`.
 * Default files: nibabel's example4d.nii.gz (Debian python3-nibabel) and the 181×217×181 Colin27
 * template ch2.nii.gz (Debian mricron-data); missing ones are skipped with a note.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as niftiJs from 'nifti-reader-js';
import { readNifti } from '../src/io/nifti/nifti-reader.js';
import { headerShape, parseNiftiHeader } from '../src/io/nifti/nifti-header.js';

const DEFAULTS = [
  '/usr/lib/python3/dist-packages/nibabel/tests/data/example4d.nii.gz',
  '/usr/share/mricron/templates/ch2.nii.gz',
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function time(fn: () => unknown | Promise<unknown>, reps: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** The floor: read + gunzip + one pass converting the stored type to float32 C order. */
function floor(file: string): Float32Array {
  const raw = readFileSync(file);
  const bytes = file.endsWith('.gz') ? gunzipSync(raw) : raw;
  const h = parseNiftiHeader(bytes);
  const shape = headerShape(h);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = Math.floor(h.vox_offset);
  const view =
    h.datatype === 2
      ? new Uint8Array(bytes.buffer, bytes.byteOffset + off, n)
      : h.datatype === 4
        ? new Int16Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + 2 * n))
        : new Float32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + 4 * n));
  // true C order for 3D/4D (x, y, z[, t]): out[((x*ny + y)*nz + z)*nt + t] = disk[x + nx*(y + ny*(z + nz*t))]
  const [nx, ny = 1, nz = 1, nt = 1] = shape as [number, number?, number?, number?];
  const out = new Float32Array(n);
  let i = 0;
  for (let t = 0; t < nt; t++)
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) out[((x * ny + y) * nz + z) * nt + t] = view[i++] as number;
  return out;
}

function niftiReaderJs(file: string): Float32Array {
  const raw = readFileSync(file);
  let buf: ArrayBuffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length);
  if (niftiJs.isCompressed(buf)) buf = niftiJs.decompress(buf) as ArrayBuffer;
  const header = niftiJs.readHeader(buf);
  const image = niftiJs.readImage(header!, buf);
  const typed =
    header!.datatypeCode === 2
      ? new Uint8Array(image)
      : header!.datatypeCode === 4
        ? new Int16Array(image)
        : new Float32Array(image);
  return Float32Array.from(typed); // float32, but still Fortran order: nifti-reader-js does not reorder
}

const files = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULTS;
const rows: string[][] = [['file', 'shape', 'floor ms', 'csc-mlops ms', 'ratio', 'nifti-reader-js ms']];
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`skip ${f}: not installed (apt-get install python3-nibabel mricron-data)`);
    continue;
  }
  const reps = 7;
  const tFloor = await time(() => floor(f), reps);
  const tOurs = await time(() => readNifti(f), reps);
  const tJs = await time(() => niftiReaderJs(f), reps);
  const img = await readNifti(f);
  rows.push([
    f.split('/').pop() as string,
    img.shape.join('×'),
    tFloor.toFixed(1),
    tOurs.toFixed(1),
    (tOurs / tFloor).toFixed(2),
    tJs.toFixed(1),
  ]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c]!)).join('  '));
