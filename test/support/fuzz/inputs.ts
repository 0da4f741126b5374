/**
 * Deterministic fuzz inputs for the image readers: mutations of the repository's own test files
 * (DICOM files and series, NIfTI, `.npy`, scan zips as XNAT ships them) and a fixed list of hostile
 * files (frame-count and size lies, decompression bombs, hostile zip entries). `fuzzInput(seed, i)`
 * always gives the same bytes, so a failing input is reproduced from its (seed, index) alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import yazl from 'yazl';
import { RandomState } from '../../../src/random/index.js';
import { concat, el, syntheticDicom } from '../synthetic-dicom.js';

/** What a fuzz input is read as. */
export type FuzzKind = 'dicom' | 'dicom-series' | 'nifti' | 'npy' | 'zip';

/** One fuzz input: files to write into an empty folder, and the path (relative to it) to read. */
export interface FuzzInput {
  kind: FuzzKind;
  /** What was done, for the report (`MR_small.dcm: 3 bit flips`). */
  description: string;
  files: { name: string; bytes: Uint8Array }[];
  /** Relative path to read: a file, or a folder for a series or a zip's contents. */
  read: string;
}

const ROOT = new URL('../../', import.meta.url).pathname;
const GOLD = join(ROOT, 'golden/inputs');
const FIX = join(ROOT, 'fixtures/dicom/pydicom');

const DICOM_FILES = [
  `${GOLD}/pydicom/MR_small.dcm`,
  `${GOLD}/pydicom/CT_small.dcm`,
  `${GOLD}/pydicom/MR_small_bigendian.dcm`,
  `${GOLD}/pydicom/MR_small_implicit.dcm`,
  `${GOLD}/pydicom/MR_small_RLE.dcm`,
  `${GOLD}/pydicom/MR_small_jp2klossless.dcm`,
  `${GOLD}/pydicom/MR_small_jpeg_ls_lossless.dcm`,
  `${FIX}/image_dfl.dcm`,
  `${FIX}/SC_rgb_rle_16bit_2frame.dcm`,
  `${FIX}/SC_rgb_small_odd.dcm`,
  `${FIX}/SC_rgb_jpeg.dcm`,
  `${FIX}/JPEG-lossy.dcm`,
  `${FIX}/rtdose.dcm`,
  `${FIX}/ExplVR_BigEndNoMeta.dcm`,
  `${FIX}/CR1_6154`,
];
const SERIES = [`${FIX}/series/CT5N`, `${FIX}/series/CT5N`, `${FIX}/series/CT2`];
const NIFTI_FILES = [
  `${GOLD}/synthetic/syn_scl.nii`,
  `${GOLD}/synthetic/syn_label.nii.gz`,
  `${GOLD}/synthetic/syn_4d_multichannel.nii.gz`,
  `${GOLD}/nibabel/standard.nii.gz`,
  `${GOLD}/nibabel/example_nifti2.nii.gz`,
  `${GOLD}/aal/aal_lobes_3mm.nii.gz`,
];
const NPY_FILES = [
  `${GOLD}/arrays/bin2d_logits.npy`,
  `${GOLD}/arrays/seg3d_target_idx.npy`,
  `${GOLD}/arrays/sw2d_a.npy`,
];

const cache = new Map<string, Uint8Array>();
function load(path: string): Uint8Array {
  let b = cache.get(path);
  if (!b) cache.set(path, (b = new Uint8Array(readFileSync(path))));
  return b;
}
function base(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

// ------------------------------------------------------------------------------------ mutators

type Rng = RandomState;
const int = (r: Rng, lo: number, hi: number): number => r.randint(lo, hi);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, 0, xs.length)]!;

function bitFlips(r: Rng, b: Uint8Array, from = 0): [Uint8Array, string] {
  const out = b.slice();
  const n = int(r, 1, 9);
  for (let k = 0; k < n; k++) {
    const i = int(r, Math.min(from, out.length - 1), out.length);
    out[i]! ^= 1 << int(r, 0, 8);
  }
  return [out, `${n} bit flip(s)`];
}

function byteSets(r: Rng, b: Uint8Array, from = 0): [Uint8Array, string] {
  const out = b.slice();
  const n = int(r, 1, 5);
  for (let k = 0; k < n; k++) {
    const i = int(r, Math.min(from, out.length - 1), out.length);
    const len = Math.min(int(r, 1, 9), out.length - i);
    out.fill(pick(r, [0x00, 0xff, 0x7f, 0x80, int(r, 0, 256)]), i, i + len);
  }
  return [out, `${n} byte run(s) overwritten`];
}

function truncate(r: Rng, b: Uint8Array): [Uint8Array, string] {
  const at = int(r, 0, b.length);
  return [b.slice(0, at), `truncated at ${at} of ${b.length}`];
}

function generic(r: Rng, b: Uint8Array, from = 0): [Uint8Array, string] {
  const m = int(r, 0, 3);
  return m === 0 ? bitFlips(r, b, from) : m === 1 ? byteSets(r, b, from) : truncate(r, b);
}

const EXTREME_U16 = [0, 1, 2, 3, 0x7fff, 0x8000, 0xffff, 64, 65534];
const EXTREME_U32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 3, 0x10000];
const EXTREME_STR = ['2147483647', '-1', '0', 'NaN', '1e308', '99999999', 'abc', '-2147483648', '65536'];

/** Header fields of a DICOM file set to extremes: US values, IS/DS strings, element lengths. */
function dicomExtreme(r: Rng, b: Uint8Array): [Uint8Array, string] {
  let ds;
  try {
    ds = dicomParser.parseDicom(b, { untilTag: 'x7fe00010', inflater: (x: Uint8Array) => x } as never);
  } catch {
    return bitFlips(r, b);
  }
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const le = !('x00020010' in ds.elements) || ds.string('x00020010')?.trim() !== '1.2.840.10008.1.2.2';
  const tags = Object.keys(ds.elements).filter((t) => t.startsWith('x0028') || t.startsWith('x7fe0'));
  const all = Object.keys(ds.elements);
  const tag = int(r, 0, 4) > 0 && tags.length > 0 ? pick(r, tags) : pick(r, all);
  const el = ds.elements[tag]!;
  const what = int(r, 0, 3);
  if (what === 0 && el.dataOffset >= 4) {
    // The element's length field.
    const explicitShort = el.vr !== undefined && !['OB', 'OW', 'SQ', 'UN', 'UT', 'OF'].includes(el.vr);
    const v = pick(r, EXTREME_U32);
    if (explicitShort) dv.setUint16(el.dataOffset - 2, v & 0xffff, le);
    else dv.setUint32(el.dataOffset - 4, v >>> 0, le);
    return [out, `${tag} length := ${v}`];
  }
  if (el.length === 2) {
    const v = pick(r, EXTREME_U16);
    dv.setUint16(el.dataOffset, v, le);
    return [out, `${tag} := ${v}`];
  }
  if (el.length === 4 && (el.vr === 'UL' || el.vr === 'SL')) {
    const v = pick(r, EXTREME_U32);
    dv.setUint32(el.dataOffset, v >>> 0, le);
    return [out, `${tag} := ${v}`];
  }
  if (el.length > 0 && el.length < 64) {
    const s = pick(r, EXTREME_STR).slice(0, el.length).padEnd(el.length, ' ');
    for (let i = 0; i < el.length; i++) out[el.dataOffset + i] = s.charCodeAt(i);
    return [out, `${tag} := '${s.trim()}'`];
  }
  return bitFlips(r, b);
}

/** NIfTI-1 header fields (offset, type) worth setting to extremes. */
const NIFTI1_FIELDS: [string, number, 'i16' | 'f32'][] = [
  ['dim[0]', 40, 'i16'],
  ['dim[1]', 42, 'i16'],
  ['dim[2]', 44, 'i16'],
  ['dim[3]', 46, 'i16'],
  ['dim[4]', 48, 'i16'],
  ['datatype', 70, 'i16'],
  ['bitpix', 72, 'i16'],
  ['pixdim[0]', 76, 'f32'],
  ['pixdim[1]', 80, 'f32'],
  ['vox_offset', 108, 'f32'],
  ['scl_slope', 112, 'f32'],
  ['scl_inter', 116, 'f32'],
  ['qform_code', 252, 'i16'],
  ['sform_code', 254, 'i16'],
  ['quatern_b', 256, 'f32'],
  ['quatern_c', 260, 'f32'],
  ['quatern_d', 264, 'f32'],
  ['srow_x[0]', 280, 'f32'],
];
const EXTREME_I16 = [0, -1, 1, 7, 8, 32767, -32768, 1536, 2048, 255];
const EXTREME_F32 = [0, -1, 1.5, NaN, Infinity, -Infinity, 3.4e38, 1e-40, 2147483647];

function niftiExtreme(r: Rng, raw: Uint8Array): [Uint8Array, string] {
  const out = raw.slice();
  if (out.length < 348) return bitFlips(r, raw);
  const dv = new DataView(out.buffer);
  const le = dv.getInt32(0, true) === 348 || dv.getInt32(0, true) === 540;
  if (dv.getInt32(0, le) === 540) {
    // NIfTI-2: dims (int64 at 16) and the datatype.
    const i = int(r, 0, 4);
    const v = pick(r, [0n, -1n, 2n ** 31n - 1n, 2n ** 62n, 65535n]);
    dv.setBigInt64(16 + 8 * i, v, le);
    return [out, `NIfTI-2 dim[${i}] := ${v}`];
  }
  const [name, off, type] = pick(r, NIFTI1_FIELDS);
  if (type === 'i16') {
    const v = pick(r, EXTREME_I16);
    dv.setInt16(off, v, le);
    return [out, `${name} := ${v}`];
  }
  const v = pick(r, EXTREME_F32);
  dv.setFloat32(off, v, le);
  return [out, `${name} := ${v}`];
}

const NPY_HEADERS = [
  "{'descr': '<f4', 'fortran_order': False, 'shape': ('a', 2), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1e3,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5, 4), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
  "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': '<f4', 'fortran_order': True, 'shape': (65536, 65536, 65536), }",
  "{'descr': '<f4', 'shape': (4,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (0x10,), }",
  'not a dict at all',
];

function npyFile(header: string, data: Uint8Array, version = 1): Uint8Array {
  let h = header;
  const pre = version === 1 ? 10 : 12;
  while ((pre + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  out.set(data, pre + h.length);
  return out;
}

function npyExtreme(r: Rng, b: Uint8Array): [Uint8Array, string] {
  const m = int(r, 0, 3);
  if (m === 0) {
    const h = pick(r, NPY_HEADERS);
    return [npyFile(h, b.subarray(128)), `header := ${h}`];
  }
  const out = b.slice();
  const v = pick(r, [0, 1, 0xffff, 0x7fff, 9]);
  new DataView(out.buffer).setUint16(8, v, true);
  return m === 1 ? [out, `HEADER_LEN := ${v}`] : bitFlips(r, b, 0);
}

// ------------------------------------------------------------------------------- built files

let zeros: { gz: Uint8Array; raw: Uint8Array } | undefined;
/** 64 MiB of zeros, gzipped and raw-deflated (about 64 KiB each). */
function zeroBombs(): { gz: Uint8Array; raw: Uint8Array } {
  if (!zeros) {
    const z = new Uint8Array(64 << 20);
    zeros = { gz: gzipSync(z, { level: 1 }), raw: deflateRawSync(z, { level: 1 }) };
  }
  return zeros;
}

function niftiHeader(dims: number[], datatype = 4, bitpix = 16): Uint8Array {
  const h = new Uint8Array(352);
  const dv = new DataView(h.buffer);
  dv.setInt32(0, 348, true);
  dv.setInt16(40, dims.length, true);
  dims.forEach((d, i) => dv.setInt16(42 + 2 * i, d, true));
  dv.setInt16(70, datatype, true);
  dv.setInt16(72, bitpix, true);
  for (let i = 0; i < 8; i++) dv.setFloat32(76 + 4 * i, 1, true);
  dv.setFloat32(108, 352, true);
  h.set([0x6e, 0x2b, 0x31, 0], 344); // 'n+1\0'
  return h;
}

/** A scan zip as XNAT ships it: `{session}/scans/{id}-{type}/resources/DICOM/files/{name}`. */
async function scanZip(files: { name: string; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const zip = new yazl.ZipFile();
  for (const f of files)
    zip.addBuffer(Buffer.from(f.bytes), `MR_1/scans/2-CT/resources/DICOM/files/${f.name}`, {
      compress: true,
      mtime: new Date(0),
    });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return new Uint8Array(Buffer.concat(chunks));
}

function seriesFiles(dir: string): { name: string; bytes: Uint8Array }[] {
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name: `${name}.dcm`, bytes: load(join(dir, name)) }));
}

/** Sets every central-directory entry's uncompressed size (a zip that lies about what it holds). */
function lieAboutSizes(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  for (let i = 0; i + 46 <= out.length; i++)
    if (dv.getUint32(i, true) === 0x02014b50) dv.setUint32(i + 24, size >>> 0, true);
    else if (dv.getUint32(i, true) === 0x04034b50) dv.setUint32(i + 22, size >>> 0, true);
  return out;
}

/** Renames the first entry (local header and central directory) to `name` of the same length. */
function renameEntries(zip: Uint8Array, from: string, to: string): Uint8Array {
  const s = Buffer.from(zip).toString('latin1').split(from).join(to);
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** The fixed hostile cases (the root causes and their neighbours), read before random ones. */
export async function hostileInputs(): Promise<FuzzInput[]> {
  const dcm = (description: string, bytes: Uint8Array): FuzzInput => ({
    kind: 'dicom',
    description,
    files: [{ name: 'hostile.dcm', bytes }],
    read: 'hostile.dcm',
  });
  const nii = (description: string, bytes: Uint8Array, name = 'hostile.nii.gz'): FuzzInput => ({
    kind: 'nifti',
    description,
    files: [{ name, bytes }],
    read: name,
  });
  const npy = (description: string, bytes: Uint8Array): FuzzInput => ({
    kind: 'npy',
    description,
    files: [{ name: 'hostile.npy', bytes }],
    read: 'hostile.npy',
  });
  const zip = (description: string, bytes: Uint8Array): FuzzInput => ({
    kind: 'zip',
    description,
    files: [{ name: 'scan.zip', bytes }],
    read: 'scan.zip',
  });
  const bombs = zeroBombs();
  const ct2 = seriesFiles(SERIES[0]!);
  const goodZip = await scanZip(ct2);
  const qform = niftiHeader([4, 4, 4]);
  new DataView(qform.buffer).setInt16(252, 1, true);
  new DataView(qform.buffer).setFloat32(256, 0.9, true);
  new DataView(qform.buffer).setFloat32(260, 0.9, true);
  new DataView(qform.buffer).setFloat32(264, 0.9, true);
  const rle = load(`${GOLD}/pydicom/MR_small_RLE.dcm`);
  return [
    dcm('NumberOfFrames 2147483647 in a small file', syntheticDicom({ frames: '2147483647' })),
    dcm('NumberOfFrames 2147483647, RLE (encapsulated)', withFrames(rle, '2147483647')),
    dcm(
      'Rows = Columns = 65535, 32 bytes of pixel data',
      syntheticDicom({ rows: 65535, columns: 65535, pixels: new Uint8Array(32) }),
    ),
    dcm(
      'Rows = Columns = 65535, RLE (encapsulated)',
      setUs(setUs(rle, 'x00280010', 65535), 'x00280011', 65535),
    ),
    dcm(
      'deflated dataset that inflates to 64 MiB (deflate bomb)',
      syntheticDicom({
        transferSyntax: '1.2.840.10008.1.2.1.99',
        dataset: () => bombs.raw,
      }),
    ),
    dcm(
      'deflated dataset followed by 1 MiB of zeros',
      syntheticDicom({
        transferSyntax: '1.2.840.10008.1.2.1.99',
        dataset: (plain) => deflateRawSync(concat([plain, new Uint8Array(1 << 20)]), { level: 1 }),
      }),
    ),
    nii(
      '.nii.gz: 4×4×4 header, stream inflates to 64 MiB',
      concat([gzipSync(niftiHeader([4, 4, 4])), bombs.gz]),
    ),
    nii(
      '.nii.gz: header declares 32767³ int16, 64 MiB stream',
      concat([gzipSync(niftiHeader([32767, 32767, 32767])), bombs.gz]),
    ),
    nii(
      '.nii.gz: gzip trailer claims 4 GiB - 1',
      (() => {
        const g = gzipSync(concat([niftiHeader([2, 2, 2]), new Uint8Array(16)]));
        new DataView(g.buffer).setUint32(g.length - 4, 0xffffffff, true);
        return g;
      })(),
    ),
    nii('quaternion norm > 1', concat([qform, new Uint8Array(128)]), 'quat.nii'),
    nii(
      '.nii: header declares 32767³ int16 in a 352-byte file',
      niftiHeader([32767, 32767, 32767]),
      'huge.nii',
    ),
    npy(".npy shape ('a', 2)", npyFile(NPY_HEADERS[0]!, new Uint8Array(8))),
    npy('.npy shape (2**40, 2**40)', npyFile(NPY_HEADERS[1]!, new Uint8Array(8))),
    npy('.npy shape (-1,)', npyFile(NPY_HEADERS[2]!, new Uint8Array(8))),
    npy(
      '.npy version 2 header length 4 GiB - 1',
      (() => {
        const f = npyFile(NPY_HEADERS[5]!, new Uint8Array(8), 2);
        new DataView(f.buffer).setUint32(8, 0xffffffff, true);
        return f;
      })(),
    ),
    zip(
      'scan zip, entry named ../../evil.dcm',
      renameEntries(goodZip, 'MR_1/scans/2-CT/', '../../../../../z'),
    ),
    zip('scan zip, entries declare 1 byte uncompressed', lieAboutSizes(goodZip, 1)),
    zip('scan zip, entries declare 4 GiB - 1 uncompressed', lieAboutSizes(goodZip, 0xffffffff)),
    zip(
      'scan zip, 64 MiB zero entry among the series',
      await scanZip([...ct2, { name: 'zeros.dcm', bytes: new Uint8Array(64 << 20) }]),
    ),
    zip('scan zip truncated to its first half', goodZip.slice(0, goodZip.length >> 1)),
  ];
}

function withFrames(b: Uint8Array, frames: string): Uint8Array {
  // Insert (0028,0008) IS before Rows (0028,0010) in an explicit-VR little-endian file.
  const ds = dicomParser.parseDicom(b, { untilTag: 'x7fe00010' } as never);
  const rows = ds.elements['x00280010']!;
  const at = rows.dataOffset - 8;
  return concat([b.subarray(0, at), el(0x28, 0x8, 'IS', frames), b.subarray(at)]);
}

function setUs(b: Uint8Array, tag: string, v: number): Uint8Array {
  const ds = dicomParser.parseDicom(b, { untilTag: 'x7fe00010' } as never);
  const out = b.slice();
  new DataView(out.buffer).setUint16(ds.elements[tag]!.dataOffset, v, true);
  return out;
}

/** The random input `index` of campaign `seed` (a mutation of one bundled file, series or zip). */
export async function fuzzInput(seed: number, index: number): Promise<FuzzInput> {
  const r = new RandomState((Math.imul(seed, 1_000_003) + index) >>> 0);
  const kind = pick<FuzzKind>(r, ['dicom', 'dicom', 'dicom', 'dicom-series', 'nifti', 'nifti', 'npy', 'zip']);
  if (kind === 'dicom') {
    const path = pick(r, DICOM_FILES);
    const [bytes, what] = int(r, 0, 2) === 0 ? dicomExtreme(r, load(path)) : generic(r, load(path), 128);
    return {
      kind,
      description: `${base(path)}: ${what}`,
      files: [{ name: 'input.dcm', bytes }],
      read: 'input.dcm',
    };
  }
  if (kind === 'dicom-series' || kind === 'zip') {
    const dir = pick(r, SERIES);
    const files = seriesFiles(dir);
    const j = int(r, 0, files.length);
    const victim = files[j]!;
    const [bytes, what] = int(r, 0, 2) === 0 ? dicomExtreme(r, victim.bytes) : generic(r, victim.bytes, 128);
    const mutated = files.map((f, i) => (i === j ? { name: f.name, bytes } : f));
    if (kind === 'dicom-series')
      return {
        kind,
        description: `${base(dir)} series, file ${victim.name}: ${what}`,
        files: mutated.map((f) => ({ name: `series/${f.name}`, bytes: f.bytes })),
        read: 'series',
      };
    // A zip: mutate a member (above), or the zip's own bytes.
    if (int(r, 0, 2) === 0) {
      const zipBytes = await scanZip(mutated);
      return {
        kind,
        description: `${base(dir)} scan zip, member ${victim.name}: ${what}`,
        files: [{ name: 'scan.zip', bytes: zipBytes }],
        read: 'scan.zip',
      };
    }
    const [zipBytes, zwhat] = generic(r, await scanZip(files));
    return {
      kind,
      description: `${base(dir)} scan zip: ${zwhat}`,
      files: [{ name: 'scan.zip', bytes: zipBytes }],
      read: 'scan.zip',
    };
  }
  if (kind === 'nifti') {
    const path = pick(r, NIFTI_FILES);
    const gz = path.endsWith('.gz');
    const raw = gz ? new Uint8Array(gunzipSync(load(path))) : load(path);
    const m = int(r, 0, 3);
    let bytes: Uint8Array;
    let what: string;
    if (m === 0) {
      [bytes, what] = niftiExtreme(r, raw);
      if (gz) bytes = gzipSync(bytes);
    } else if (m === 1 || !gz) {
      [bytes, what] = generic(r, raw);
      if (gz) bytes = gzipSync(bytes);
    } else {
      [bytes, what] = generic(r, load(path));
      what = `gzip stream: ${what}`;
    }
    const name = gz ? 'input.nii.gz' : 'input.nii';
    return { kind, description: `${base(path)}: ${what}`, files: [{ name, bytes }], read: name };
  }
  const path = pick(r, NPY_FILES);
  const [bytes, what] = int(r, 0, 2) === 0 ? npyExtreme(r, load(path)) : generic(r, load(path));
  return {
    kind,
    description: `${base(path)}: ${what}`,
    files: [{ name: 'input.npy', bytes }],
    read: 'input.npy',
  };
}
