/**
 * DICOM attributes → plain meta values keyed by DICOM keyword (as pydicom names them): numbers
 * for numeric VRs (DS/IS included), strings for text, arrays for multi-valued elements.
 */
import type { DataSet, Element } from 'dicom-parser';
import { CscMlopsError, ImageReadError, describeError } from '../../errors.js';
import type { DicomFile } from './parse.js';
import { META_ATTRIBUTES, attributeOfTag } from './tags.js';

/** Options of {@link dicomMetaAttributes}. */
export interface DicomMetaOptions {
  /**
   * `true` (default): the attributes users filter on (series, study, modality, protocol,
   * geometry, acquisition parameters), without names, birth dates or sites. `false`: every
   * attribute of the file except pixel data, keyed by keyword where we know it, else by its tag
   * `GGGGEEEE` (as DICOM JSON); sequences become arrays of objects.
   */
  prune?: boolean;
}

const BINARY_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN']);
const TEXT_VRS = new Set(['LT', 'ST', 'UT']);
const PIXEL_TAGS = new Set(['x7fe00010', 'x7fe00008', 'x7fe00009', 'xfffcfffc']);

function multi<T>(values: T[]): T | T[] | undefined {
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}

function binaryValues(
  ds: DataSet,
  el: Element,
  size: number,
  read: (i: number) => number | undefined,
): number[] {
  const out: number[] = [];
  const n = Math.floor(el.length / size);
  for (let i = 0; i < n; i++) {
    const v = read(i);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function printable(ds: DataSet, el: Element): boolean {
  const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + Math.min(el.length, 1024));
  for (const b of bytes)
    if ((b < 0x20 && b !== 0 && b !== 0x0a && b !== 0x0d && b !== 0x09) || b > 0x7e) return false;
  return true;
}

/** The value of one element as a plain JavaScript value (undefined when empty or binary). */
export function elementValue(ds: DataSet, tag: string, vr?: string, depth = 0): unknown {
  const el = ds.elements[tag];
  if (!el) return undefined;
  let v = el.vr ?? vr ?? attributeOfTag(tag)?.vr;
  if (v === 'xs') v = ds.uint16('x00280103') === 1 ? 'SS' : 'US';
  if (el.items) {
    if (depth >= 4) return undefined;
    return el.items.map((item) => (item.dataSet ? dataSetToObject(item.dataSet, depth + 1) : {}));
  }
  if (el.length === 0) return undefined;
  if (el.dataOffset + el.length > ds.byteArray.length) return undefined;
  switch (v) {
    case 'US':
      return multi(binaryValues(ds, el, 2, (i) => ds.uint16(tag, i)));
    case 'SS':
      return multi(binaryValues(ds, el, 2, (i) => ds.int16(tag, i)));
    case 'UL':
      return multi(binaryValues(ds, el, 4, (i) => ds.uint32(tag, i)));
    case 'SL':
      return multi(binaryValues(ds, el, 4, (i) => ds.int32(tag, i)));
    case 'FL':
      return multi(binaryValues(ds, el, 4, (i) => ds.float(tag, i)));
    case 'FD':
      return multi(binaryValues(ds, el, 8, (i) => ds.double(tag, i)));
    case 'AT':
      return ds.attributeTag(tag);
    case 'DS':
    case 'IS': {
      const s = ds.string(tag);
      if (s === undefined) return undefined;
      const parts = s.split('\\').map((p) => p.replace(/\0/g, '').trim());
      const nums = parts.map((p) => (p === '' ? NaN : Number(p)));
      return nums.every((n) => Number.isFinite(n)) ? multi(nums) : s.trim();
    }
    default: {
      if (v !== undefined && BINARY_VRS.has(v)) return undefined;
      if (v === undefined && !printable(ds, el)) return undefined;
      if (v !== undefined && TEXT_VRS.has(v)) return ds.text(tag)?.replace(/\0/g, '');
      const s = ds.string(tag);
      if (s === undefined) return undefined;
      const parts = s.split('\\').map((p) => p.replace(/\0/g, '').trim());
      if (parts.length === 1) return parts[0] === '' ? undefined : parts[0];
      return parts;
    }
  }
}

function keyOf(tag: string): string {
  return attributeOfTag(tag)?.keyword ?? tag.slice(1).toUpperCase();
}

function dataSetToObject(ds: DataSet, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const tag of Object.keys(ds.elements).sort()) {
    if (PIXEL_TAGS.has(tag)) continue;
    // Group lengths and item delimiters carry no information.
    if (tag.endsWith('0000') || tag.startsWith('xfffe')) continue;
    const v = elementValue(ds, tag, undefined, depth);
    if (v !== undefined) out[keyOf(tag)] = v;
  }
  return out;
}

/**
 * The meta attributes of a parsed file, keyed by DICOM keyword (see {@link DicomMetaOptions}).
 * `TransferSyntaxUID` is always present (guessed for files without file meta).
 */
export function dicomMetaAttributes(
  dicom: DicomFile,
  options: DicomMetaOptions = {},
): Record<string, unknown> {
  try {
    return metaAttributes(dicom, options);
  } catch (e) {
    if (e instanceof CscMlopsError) throw e;
    throw new ImageReadError(dicom.file, `corrupt DICOM attribute (${describeError(e)})`, { cause: e });
  }
}

function metaAttributes(dicom: DicomFile, options: DicomMetaOptions): Record<string, unknown> {
  const ds = dicom.dataSet;
  let out: Record<string, unknown>;
  if (options.prune ?? true) {
    out = {};
    for (const attr of META_ATTRIBUTES) {
      if (attr.identifying) continue;
      const v = elementValue(ds, attr.tag, attr.vr);
      if (v !== undefined) out[attr.keyword] = v;
    }
  } else {
    out = dataSetToObject(ds, 0);
  }
  out['TransferSyntaxUID'] = dicom.transferSyntaxUID;
  return out;
}
