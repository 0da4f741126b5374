/**
 * Series assembly: which images of a folder form the volume, in which order, with which slice
 * step. Groups files by SeriesInstanceUID, sorts slices along the slice normal
 * (ImagePositionPatient · (row cosines × column cosines)) as ITK/GDCM do, and detects gaps,
 * duplicate positions, and mixed orientations, spacings or sizes. Enhanced multi-frame files are
 * assembled from their per-frame functional groups, RT dose grids from GridFrameOffsetVector.
 */
import { basename } from 'node:path';
import { ImageReadError, UnsupportedFormatError } from '../../errors.js';
import { dot3, sliceNormal } from './geometry.js';
import type { DicomImageHeader, FrameGeometry } from './image-header.js';

/** How to choose when a folder holds several series. */
export type SeriesOption = 'error' | 'first' | 'largest' | (string & {});

/**
 * Slice order: `'position'` (ascending along the slice normal, as ITK/GDCM) or
 * `'instanceNumber'` (MONAI PydicomReader's order; slices without InstanceNumber are skipped).
 */
export type SortBy = 'position' | 'instanceNumber';

/** Options of {@link assembleSeries}. */
export interface AssembleSeriesOptions {
  /**
   * Several series in the input: `'error'` (default) lists them; `'first'` takes the lowest
   * SeriesNumber (then the lowest UID); `'largest'` the one with most images; any other string
   * is the SeriesInstanceUID to read.
   */
  seriesOption?: SeriesOption;
  /** Slice order (default `'position'`). */
  sortBy?: SortBy;
  /**
   * Instead of failing on gaps, duplicate positions or mixed orientations/sizes/spacings, keep
   * the largest consistent stack (one image per position, no gap) and list what was dropped in
   * the warnings. Default false.
   */
  keepLargestStack?: boolean;
  /** The folder (or a description of the file list) named in errors. */
  source?: string;
}

/** One slice of the output volume: frame `frame` of the file of `header`. */
export interface SeriesSlice {
  header: DicomImageHeader;
  /** 0-based frame index in the file. */
  frame: number;
  geometry: FrameGeometry;
  /** InstanceNumber (the frame number for frames of one file). */
  instanceNumber: number | undefined;
}

/** The result of {@link assembleSeries}. */
export interface AssembledSeries {
  /** Slices in output order (along the last array axis). */
  slices: SeriesSlice[];
  /** True for one 2D image (no slice axis). */
  is2d: boolean;
  seriesInstanceUID: string | undefined;
  /** ImageOrientationPatient of the first slice (undefined when the files have none). */
  orientation: number[] | undefined;
  /** PixelSpacing of the first slice. */
  pixelSpacing: number[] | undefined;
  /** ImagePositionPatient of the first slice. */
  origin: number[] | undefined;
  /** ImagePositionPatient of the last slice (MONAI's `lastImagePositionPatient`). */
  lastPosition: number[] | undefined;
  /** Step between consecutive slices (LPS mm vector); undefined for 2D. */
  sliceStep: number[] | undefined;
  /** What was skipped or assumed, in words. */
  warnings: string[];
  /** Files of the input not used (other series, dropped slices). */
  excludedFiles: string[];
}

const ORIENTATION_TOLERANCE = 1e-4;
const SPACING_TOLERANCE = 1e-4;
/** Positions closer than this (mm along the normal) are the same position. */
const DUPLICATE_TOLERANCE = 0.01;
/** A step larger than this many times the median step is a gap. */
const GAP_FACTOR = 1.5;

const name = (s: SeriesSlice): string => basename(s.header.file);

function frameName(s: SeriesSlice): string {
  return s.header.numberOfFrames > 1 ? `frame ${s.frame + 1}` : name(s);
}

function maxAbsDiff(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : Infinity;
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function layoutKey(h: DicomImageHeader): string {
  return `${h.columns}×${h.rows}${h.samplesPerPixel === 3 ? ' RGB' : ''}, ${h.bitsAllocated}-bit${h.pixelRepresentation ? ' signed' : ''}`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(v: number): string {
  return Number(v.toFixed(3)).toString();
}

function sameSeriesLabel(h: DicomImageHeader, count: number): string {
  const parts = [h.seriesInstanceUID ?? '(no SeriesInstanceUID)'];
  const extra = [
    h.seriesNumber !== undefined ? `#${h.seriesNumber}` : undefined,
    h.seriesDescription !== undefined ? `'${h.seriesDescription}'` : undefined,
    `${count} image${count === 1 ? '' : 's'}`,
  ].filter((x) => x !== undefined);
  return `${parts[0]} (${extra.join(', ')})`;
}

function selectSeries(
  headers: DicomImageHeader[],
  option: SeriesOption,
  source: string,
): { chosen: DicomImageHeader[]; others: DicomImageHeader[] } {
  const groups = new Map<string, DicomImageHeader[]>();
  for (const h of headers) {
    const key = h.seriesInstanceUID ?? '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(h);
  }
  const list = [...groups.values()];
  if (list.length === 1 && (option === 'error' || option === 'first' || option === 'largest'))
    return { chosen: list[0]!, others: [] };
  let chosen: DicomImageHeader[] | undefined;
  if (option === 'first') {
    chosen = [...list].sort((a, b) => {
      const na = a[0]!.seriesNumber ?? Infinity;
      const nb = b[0]!.seriesNumber ?? Infinity;
      if (na !== nb) return na - nb;
      return (a[0]!.seriesInstanceUID ?? '').localeCompare(b[0]!.seriesInstanceUID ?? '');
    })[0];
  } else if (option === 'largest') {
    chosen = list.reduce((best, g) => (g.length > best.length ? g : best));
  } else if (option === 'error') {
    const described = list.map((g) => sameSeriesLabel(g[0]!, g.length)).join('; ');
    throw new ImageReadError(
      source,
      `it holds ${list.length} series: ${described}. Pass seriesOption 'first', 'largest' or a SeriesInstanceUID to read one`,
    );
  } else {
    chosen = groups.get(option);
    if (!chosen) {
      const described = list.map((g) => sameSeriesLabel(g[0]!, g.length)).join('; ');
      throw new ImageReadError(source, `no series has SeriesInstanceUID '${option}'; found: ${described}`);
    }
  }
  const set = new Set(chosen);
  return { chosen: chosen!, others: headers.filter((h) => !set.has(h)) };
}

/** Splits slices into groups of identical layout, orientation and pixel spacing. */
function consistencyGroups(slices: SeriesSlice[]): SeriesSlice[][] {
  const groups: SeriesSlice[][] = [];
  for (const s of slices) {
    const g = groups.find((grp) => {
      const r = grp[0]!;
      return (
        layoutKey(r.header) === layoutKey(s.header) &&
        r.header.photometricInterpretation === s.header.photometricInterpretation &&
        maxAbsDiff(r.geometry.orientation, s.geometry.orientation) <= ORIENTATION_TOLERANCE &&
        maxAbsDiff(r.geometry.pixelSpacing, s.geometry.pixelSpacing) <=
          SPACING_TOLERANCE * Math.max(1, ...(r.geometry.pixelSpacing ?? [1]))
      );
    });
    if (g) g.push(s);
    else groups.push([s]);
  }
  return groups;
}

function describeGroup(g: SeriesSlice[]): string {
  const r = g[0]!;
  const o = r.geometry.orientation?.map(fmt).join('\\') ?? 'none';
  const ps = r.geometry.pixelSpacing?.map(fmt).join('\\') ?? 'none';
  return `${g.length} × ${layoutKey(r.header)}, orientation ${o}, spacing ${ps} (e.g. ${frameName(r)})`;
}

function inconsistencyKind(a: SeriesSlice, b: SeriesSlice): string {
  if (
    layoutKey(a.header) !== layoutKey(b.header) ||
    a.header.photometricInterpretation !== b.header.photometricInterpretation
  )
    return 'image sizes or pixel formats';
  if (maxAbsDiff(a.geometry.orientation, b.geometry.orientation) > ORIENTATION_TOLERANCE)
    return 'orientations';
  return 'pixel spacings';
}

/** Sorts, de-duplicates and checks slices that all have a position. */
function orderByPosition(
  input: SeriesSlice[],
  options: Required<Pick<AssembleSeriesOptions, 'keepLargestStack' | 'sortBy'>> & { source: string },
  warnings: string[],
  dropped: SeriesSlice[],
): SeriesSlice[] {
  const normal = sliceNormal(input[0]!.geometry.orientation);
  const key = new Map(input.map((s) => [s, dot3(s.geometry.position!, normal)]));
  const k = (s: SeriesSlice): number => key.get(s)!;
  let geo = [...input].sort(
    (a, b) =>
      k(a) - k(b) ||
      (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity) ||
      a.header.file.localeCompare(b.header.file) ||
      a.frame - b.frame,
  );

  // Duplicate positions.
  const kept: SeriesSlice[] = [];
  const clashes: [SeriesSlice, SeriesSlice][] = [];
  for (const s of geo) {
    const prev = kept[kept.length - 1];
    if (prev && Math.abs(k(s) - k(prev)) <= DUPLICATE_TOLERANCE) {
      const sameInstance =
        prev.header.numberOfFrames === 1 &&
        s.header.sopInstanceUID !== undefined &&
        s.header.sopInstanceUID === prev.header.sopInstanceUID;
      if (sameInstance) {
        warnings.push(`${name(s)} is a second copy of ${name(prev)} (same SOPInstanceUID): skipped`);
        dropped.push(s);
        continue;
      }
      clashes.push([prev, s]);
      if (options.keepLargestStack) {
        dropped.push(s);
        continue;
      }
    }
    kept.push(s);
  }
  if (clashes.length > 0) {
    const [a, b] = clashes[0]!;
    if (!options.keepLargestStack) {
      throw new ImageReadError(
        options.source,
        `${clashes.length} slice position(s) hold more than one image (e.g. ${frameName(a)} and ${frameName(b)} at ` +
          `${fmt(k(a))} mm along the slice normal): the input mixes echoes, time points or repeated acquisitions. ` +
          `Select the files of one stack, or pass keepLargestStack: true to keep one image per position`,
      );
    }
    warnings.push(
      `${clashes.length} slice position(s) held more than one image (e.g. ${frameName(a)} and ${frameName(b)}): kept the first by InstanceNumber at each position`,
    );
  }
  geo = kept;

  // Gaps.
  if (geo.length >= 3) {
    const steps = geo.slice(1).map((s, i) => k(s) - k(geo[i]!));
    const med = median(steps);
    const gaps = steps.map((st, i) => (st > GAP_FACTOR * med ? i : -1)).filter((i) => i >= 0);
    if (gaps.length > 0) {
      const i = gaps[0]!;
      const what =
        `gap in the slice positions: ${fmt(steps[i]!)} mm between ${frameName(geo[i]!)} and ${frameName(geo[i + 1]!)} ` +
        `where the median step is ${fmt(med)} mm${gaps.length > 1 ? ` (${gaps.length} gaps)` : ''}`;
      if (!options.keepLargestStack)
        throw new ImageReadError(
          options.source,
          `${what}: slices are missing. Pass keepLargestStack: true to read the longest run without a gap`,
        );
      let best: [number, number] = [0, 0];
      let start = 0;
      for (const g of [...gaps, geo.length - 1]) {
        if (g - start > best[1] - best[0]) best = [start, g];
        start = g + 1;
      }
      const run = geo.slice(best[0], best[1] + 1);
      const out = geo.filter((s) => !run.includes(s));
      dropped.push(...out);
      warnings.push(`${what}: kept the longest run of ${run.length} slices, dropped ${out.length}`);
      geo = run;
    }
  }

  if (options.sortBy === 'instanceNumber') {
    const withNumber = geo.filter((s) => s.instanceNumber !== undefined);
    if (withNumber.length === 0) {
      warnings.push('no slice has an InstanceNumber: ordered by position');
      return geo;
    }
    for (const s of geo)
      if (s.instanceNumber === undefined) {
        warnings.push(`${frameName(s)} has no InstanceNumber: skipped (as MONAI's PydicomReader)`);
        dropped.push(s);
      }
    const byNumber = [...withNumber].sort((a, b) => a.instanceNumber! - b.instanceNumber!);
    const keys = byNumber.map(k);
    const up = keys.every((v, i) => i === 0 || v > keys[i - 1]!);
    const down = keys.every((v, i) => i === 0 || v < keys[i - 1]!);
    if (!up && !down)
      warnings.push(
        'InstanceNumber order is not monotonic along the slice normal: the slice axis of the affine is only an average',
      );
    return byNumber;
  }
  return geo;
}

/** Orders slices and computes the slice step; applies the consistency rules. */
function stack(
  slices: SeriesSlice[],
  options: AssembleSeriesOptions & { source: string },
  warnings: string[],
  dropped: SeriesSlice[],
): { ordered: SeriesSlice[]; sliceStep: number[] | undefined } {
  const keepLargestStack = options.keepLargestStack ?? false;
  const sortBy = options.sortBy ?? 'position';
  const groups = consistencyGroups(slices);
  let use = slices;
  if (groups.length > 1) {
    const kind = inconsistencyKind(groups[0]![0]!, groups[1]![0]!);
    const sorted = [...groups].sort((a, b) => b.length - a.length);
    const described =
      sorted.slice(0, 3).map(describeGroup).join('; ') +
      (groups.length > 3 ? `; and ${groups.length - 3} more stacks` : '');
    if (!keepLargestStack)
      throw new ImageReadError(
        options.source,
        `the images have mixed ${kind}: ${described}. Select one stack, or pass keepLargestStack: true to keep the largest`,
      );
    use = groups.reduce((best, g) => (g.length > best.length ? g : best));
    dropped.push(...slices.filter((s) => !use.includes(s)));
    warnings.push(`mixed ${kind} (${described}): kept the largest stack of ${use.length}`);
  }
  const normal = sliceNormal(use[0]!.geometry.orientation);
  let ordered: SeriesSlice[];
  if (use.every((s) => s.geometry.position !== undefined)) {
    ordered = orderByPosition(use, { keepLargestStack, sortBy, source: options.source }, warnings, dropped);
  } else if (use.every((s) => s.geometry.position === undefined)) {
    // No position at all (secondary captures, CR): MONAI's PydicomReader order, by InstanceNumber,
    // skipping slices without one; none left is its "the input does not have valid slices".
    ordered = [];
    for (const s of use)
      if (s.instanceNumber !== undefined) ordered.push(s);
      else {
        warnings.push(`${frameName(s)} has no InstanceNumber: skipped (as MONAI's PydicomReader)`);
        dropped.push(s);
      }
    if (ordered.length === 0)
      throw new ImageReadError(
        options.source,
        `none of its ${use.length} images has an ImagePositionPatient or an InstanceNumber, so the slice order is unknown (MONAI's PydicomReader refuses it too: "the input does not have valid slices"). Read the files one at a time`,
      );
    ordered.sort((a, b) => a.instanceNumber! - b.instanceNumber!);
  } else {
    warnings.push(
      'some slices have no ImagePositionPatient: ordered by InstanceNumber, slice spacing from SpacingBetweenSlices or SliceThickness',
    );
    ordered = [...use].sort((a, b) => (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity));
  }
  if (ordered.length === 0) throw new ImageReadError(options.source, 'no slice is left to read');
  let sliceStep: number[] | undefined;
  const first = ordered[0]!;
  const last = ordered[ordered.length - 1]!;
  if (ordered.length > 1 && first.geometry.position && last.geometry.position) {
    const n = ordered.length - 1;
    sliceStep = [0, 1, 2].map((i) => (last.geometry.position![i]! - first.geometry.position![i]!) / n);
  } else if (ordered.length > 1) {
    const h = first.header;
    const d = h.spacingBetweenSlices ?? first.geometry.sliceThickness ?? h.sliceThickness ?? 1;
    sliceStep = normal.map((x) => x * d);
  }
  return { ordered, sliceStep };
}

function result(
  ordered: SeriesSlice[],
  sliceStep: number[] | undefined,
  is2d: boolean,
  warnings: string[],
  excluded: string[],
): AssembledSeries {
  const first = ordered[0]!;
  const last = ordered[ordered.length - 1]!;
  return {
    slices: ordered,
    is2d,
    seriesInstanceUID: first.header.seriesInstanceUID,
    orientation: first.geometry.orientation,
    pixelSpacing: first.geometry.pixelSpacing,
    origin: first.geometry.position,
    lastPosition: is2d ? undefined : last.geometry.position,
    sliceStep: is2d ? undefined : sliceStep,
    warnings,
    excludedFiles: [...new Set(excluded)],
  };
}

/**
 * Assembles the frames of one file: a single frame is a 2D image; enhanced multi-frame files
 * with per-frame positions and RT dose grids are sorted and checked as a series; other
 * multi-frame files (cine, NM) keep their frame order, spaced by SpacingBetweenSlices or
 * SliceThickness (1 mm when neither is given).
 */
export function assembleFrames(
  header: DicomImageHeader,
  options: AssembleSeriesOptions = {},
): AssembledSeries {
  const source = options.source ?? header.file;
  const warnings: string[] = [];
  const n = header.numberOfFrames;
  const slices: SeriesSlice[] = header.frames.map((geometry, frame) => ({
    header,
    frame,
    geometry,
    instanceNumber: frame + 1,
  }));
  if (n === 1) return result(slices, undefined, true, warnings, []);
  const grid = header.gridFrameOffsetVector;
  const base = header.frames[0]!;
  if (!header.enhanced && grid && base.position) {
    const normal = sliceNormal(base.orientation);
    for (const [i, s] of slices.entries())
      s.geometry = { ...s.geometry, position: base.position.map((p, a) => p + grid[i]! * normal[a]!) };
  } else if (!header.enhanced || !slices.every((s) => s.geometry.position !== undefined)) {
    const normal = sliceNormal(base.orientation);
    const d = header.spacingBetweenSlices ?? base.sliceThickness ?? 1;
    // Without a position and an orientation the affine is MONAI's identity and the step is not used.
    const located = base.position !== undefined && base.orientation !== undefined;
    if (located && header.spacingBetweenSlices === undefined && base.sliceThickness === undefined)
      warnings.push(
        'the frames have no per-frame position and no slice spacing: 1 mm assumed between frames',
      );
    // Frames share the file's position: keep their order, spaced along the normal.
    const step = normal.map((x) => x * d);
    const geoms = slices.map((s) => ({ ...s, geometry: { ...s.geometry, position: undefined } }));
    const out = result(geoms, step, false, warnings, []);
    out.origin = base.position;
    out.lastPosition = base.position?.map((p, a) => p + step[a]! * (n - 1));
    return out;
  }
  const dropped: SeriesSlice[] = [];
  const { ordered, sliceStep } = stack(slices, { ...options, source }, warnings, dropped);
  return result(ordered, sliceStep, ordered.length === 1, warnings, []);
}

/**
 * Assembles the images of several files (a folder or a file list) into one volume; one file is
 * handed to `assembleFrames`. Throws {@link ImageReadError} naming the folder (and the files
 * involved) for several series, gaps, duplicate positions and mixed stacks, unless the options
 * say how to resolve them.
 */
export function assembleSeries(
  headers: DicomImageHeader[],
  options: AssembleSeriesOptions = {},
): AssembledSeries {
  const source = options.source ?? 'the DICOM files';
  if (headers.length === 0) throw new ImageReadError(source, 'no DICOM images found');
  const { chosen, others } = selectSeries(headers, options.seriesOption ?? 'error', source);
  const excluded = others.map((h) => h.file);
  if (chosen.length === 1) {
    const out = assembleFrames(chosen[0]!, { ...options, source });
    out.excludedFiles = excluded;
    return out;
  }
  const multi = chosen.filter((h) => h.numberOfFrames > 1);
  if (multi.length > 0)
    throw new UnsupportedFormatError(
      `${multi.length} of the ${chosen.length} files of the series are multi-frame (e.g. ${basename(multi[0]!.file)}): read multi-frame files one at a time`,
      source,
    );
  const warnings: string[] = [];
  const dropped: SeriesSlice[] = [];
  const slices: SeriesSlice[] = chosen.map((header) => ({
    header,
    frame: 0,
    geometry: header.frames[0]!,
    instanceNumber: header.instanceNumber,
  }));
  const { ordered, sliceStep } = stack(slices, { ...options, source }, warnings, dropped);
  excluded.push(...dropped.map((s) => s.header.file));
  return result(ordered, sliceStep, ordered.length === 1, warnings, excluded);
}
