/**
 * The image attributes of one DICOM file: pixel layout, series identity and per-frame geometry
 * (including enhanced multi-frame functional groups, NM detector information and RT dose grids).
 */
import type { DataSet } from 'dicom-parser';
import { CscMlopsError, ImageReadError, UnsupportedFormatError, describeError } from '../../errors.js';
import { type DicomFile, PIXEL_DATA_TAG } from './parse.js';

/** The file is DICOM but holds no image (a DICOMDIR, an RT plan, a structured report, ...). */
export class NoPixelDataError extends ImageReadError {}

/** Geometry and intensity scaling of one frame (values in the patient's LPS frame, mm). */
export interface FrameGeometry {
  /** ImagePositionPatient: centre of the first transmitted pixel. */
  position: number[] | undefined;
  /** ImageOrientationPatient: row cosines then column cosines. */
  orientation: number[] | undefined;
  /** PixelSpacing: [between rows, between columns]. */
  pixelSpacing: number[] | undefined;
  /** SliceThickness, where given. */
  sliceThickness: number | undefined;
  /** RescaleSlope, undefined when the file has none. */
  rescaleSlope: number | undefined;
  /** RescaleIntercept, undefined when the file has none. */
  rescaleIntercept: number | undefined;
}

/** What the reader needs from one DICOM file before decoding its pixels. */
export interface DicomImageHeader {
  file: string;
  transferSyntaxUID: string;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  /** 0 interleaved (RGBRGB…), 1 planar (RR…GG…BB…). */
  planarConfiguration: number;
  photometricInterpretation: string;
  numberOfFrames: number;
  /** `x7fe00010` (integers), `x7fe00008` (float32) or `x7fe00009` (float64). */
  pixelDataTag: string;
  sopInstanceUID: string | undefined;
  sopClassUID: string | undefined;
  seriesInstanceUID: string | undefined;
  seriesDescription: string | undefined;
  studyInstanceUID: string | undefined;
  seriesNumber: number | undefined;
  instanceNumber: number | undefined;
  sliceThickness: number | undefined;
  spacingBetweenSlices: number | undefined;
  /** RT dose: frame offsets along the slice normal. */
  gridFrameOffsetVector: number[] | undefined;
  /** True for enhanced multi-frame objects (geometry from functional groups). */
  enhanced: boolean;
  /** One entry per frame. */
  frames: FrameGeometry[];
}

const T = {
  rows: 'x00280010',
  columns: 'x00280011',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planar: 'x00280006',
  frames: 'x00280008',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  sopClass: 'x00080016',
  sopInstance: 'x00080018',
  studyUid: 'x0020000d',
  seriesUid: 'x0020000e',
  seriesNumber: 'x00200011',
  instanceNumber: 'x00200013',
  ipp: 'x00200032',
  iop: 'x00200037',
  pixelSpacing: 'x00280030',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  slope: 'x00281053',
  intercept: 'x00281052',
  gridFrameOffset: 'x3004000c',
  shared: 'x52009229',
  perFrame: 'x52009230',
  planePosition: 'x00209113',
  planeOrientation: 'x00209116',
  pixelMeasures: 'x00289110',
  pixelValueTransformation: 'x00289145',
  detectorInformation: 'x00540022',
  floatPixelData: 'x7fe00008',
  doubleFloatPixelData: 'x7fe00009',
} as const;

/** A trimmed string value, undefined when absent or empty. */
export function stringValue(ds: DataSet, tag: string, index?: number): string | undefined {
  if (!ds.elements[tag]) return undefined;
  const s = ds.string(tag, index)?.replace(/\0/g, '').trim();
  return s === undefined || s === '' ? undefined : s;
}

/** Numeric values of a DS/IS string element, undefined when absent, empty or not numbers. */
export function decimalValues(ds: DataSet, tag: string): number[] | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return undefined;
  const s = ds.string(tag);
  if (s === undefined) return undefined;
  const parts = s.split('\\').map((p) => p.replace(/\0/g, '').trim());
  if (parts.some((p) => p === '')) return undefined;
  const out = parts.map((p) => Number(p));
  return out.every((v) => Number.isFinite(v)) ? out : undefined;
}

function decimal(ds: DataSet, tag: string): number | undefined {
  return decimalValues(ds, tag)?.[0];
}

function integerString(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return undefined;
  const v = ds.intString(tag);
  return v === undefined || Number.isNaN(v) ? undefined : v;
}

function us(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  return ds.uint16(tag);
}

/** The first item's dataset of a sequence, if any. */
function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

function sliceGeometry(ds: DataSet, base: FrameGeometry, withRescale: boolean): FrameGeometry {
  const pos = firstItem(ds, T.planePosition);
  const ori = firstItem(ds, T.planeOrientation);
  const meas = firstItem(ds, T.pixelMeasures);
  const pvt = firstItem(ds, T.pixelValueTransformation);
  const out: FrameGeometry = { ...base };
  const ipp = pos && decimalValues(pos, T.ipp);
  if (ipp?.length === 3) out.position = ipp;
  const iop = ori && decimalValues(ori, T.iop);
  if (iop?.length === 6) out.orientation = iop;
  const ps = meas && decimalValues(meas, T.pixelSpacing);
  if (ps?.length === 2) out.pixelSpacing = ps;
  const th = meas && decimal(meas, T.sliceThickness);
  if (th !== undefined) out.sliceThickness = th;
  if (withRescale && pvt) {
    const s = decimal(pvt, T.slope);
    const i = decimal(pvt, T.intercept);
    if (s !== undefined) out.rescaleSlope = s;
    if (i !== undefined) out.rescaleIntercept = i;
  }
  return out;
}

/**
 * Reads the image attributes of a parsed DICOM file. Throws {@link ImageReadError} when the file
 * holds no image (an RT plan, a structured report, ...) or its pixel description is invalid, and
 * {@link UnsupportedFormatError} for pixel layouts we cannot decode.
 */
export function readImageHeader(dicom: DicomFile): DicomImageHeader {
  try {
    return imageHeader(dicom);
  } catch (e) {
    if (e instanceof CscMlopsError) throw e;
    // dicom-parser throws strings when a value runs past the end of a truncated file.
    throw new ImageReadError(dicom.file, `corrupt or truncated DICOM header (${describeError(e)})`, {
      cause: e,
    });
  }
}

/**
 * Checks the frames a header declares against the pixel data the file holds, before anything is
 * sized from them: native data must hold `frames × Rows × Columns × samples × bytes`, encapsulated
 * data at least one fragment (8 bytes of item header) per frame.
 */
function checkFrameCount(
  dicom: DicomFile,
  pixelDataTag: string,
  h: Pick<
    DicomImageHeader,
    'rows' | 'columns' | 'samplesPerPixel' | 'bitsAllocated' | 'numberOfFrames' | 'photometricInterpretation'
  >,
): void {
  const el = dicom.dataSet.elements[pixelDataTag]!;
  const available = Math.max(0, dicom.byteLength - el.dataOffset);
  const frames = h.numberOfFrames;
  const declared = `NumberOfFrames ${frames}, Rows ${h.rows}, Columns ${h.columns}`;
  if (el.encapsulatedPixelData || el.hadUndefinedLength) {
    const fragments = el.fragments?.length;
    if (fragments !== undefined ? frames > fragments : frames * 8 > available)
      throw new ImageReadError(
        dicom.file,
        `${declared}: the encapsulated pixel data holds ${fragments ?? 'too few'} fragment(s) for ${frames} frame(s); the file is corrupt or truncated`,
      );
    return;
  }
  const pixels = h.rows * h.columns * frames;
  const samples = h.photometricInterpretation === 'YBR_FULL_422' ? 2 : h.samplesPerPixel;
  const need =
    h.bitsAllocated === 1 ? Math.ceil((pixels * samples) / 8) : pixels * samples * (h.bitsAllocated / 8);
  const holds = Math.min(el.length, available);
  if (need > holds)
    throw new ImageReadError(
      dicom.file,
      `${declared} need ${need} bytes of pixel data but the file holds ${holds}; the file is corrupt or truncated`,
    );
}

function imageHeader(dicom: DicomFile): DicomImageHeader {
  const ds = dicom.dataSet;
  const file = dicom.file;
  const pixelDataTag = [PIXEL_DATA_TAG, T.floatPixelData, T.doubleFloatPixelData].find((t) => ds.elements[t]);
  const sopClassUID = stringValue(ds, T.sopClass);
  if (pixelDataTag === undefined) {
    throw new NoPixelDataError(
      file,
      `holds no image: it has no Pixel Data (7FE0,0010)${sopClassUID ? ` (SOP class ${sopClassUID})` : ''}`,
    );
  }
  const rows = us(ds, T.rows);
  const columns = us(ds, T.columns);
  if (!rows || !columns)
    throw new ImageReadError(
      file,
      `invalid image size: Rows ${rows ?? 'missing'}, Columns ${columns ?? 'missing'}`,
    );
  const floatBits = pixelDataTag === T.floatPixelData ? 32 : pixelDataTag === T.doubleFloatPixelData ? 64 : 0;
  const bitsAllocated = floatBits || us(ds, T.bitsAllocated);
  if (bitsAllocated === undefined) throw new ImageReadError(file, 'Bits Allocated (0028,0100) is missing');
  if (![1, 8, 16, 32, 64].includes(bitsAllocated) || (bitsAllocated === 64 && !floatBits))
    throw new UnsupportedFormatError(
      `Bits Allocated ${bitsAllocated} is not supported (1, 8, 16 or 32)`,
      file,
    );
  const bitsStored = floatBits || (us(ds, T.bitsStored) ?? bitsAllocated);
  if (bitsStored < 1 || bitsStored > bitsAllocated)
    throw new ImageReadError(
      file,
      `Bits Stored ${bitsStored} is not between 1 and Bits Allocated ${bitsAllocated}`,
    );
  const highBit = floatBits ? floatBits - 1 : (us(ds, T.highBit) ?? bitsStored - 1);
  const samplesPerPixel = us(ds, T.samplesPerPixel) ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3)
    throw new UnsupportedFormatError(`Samples per Pixel ${samplesPerPixel} is not supported (1 or 3)`, file);
  const photometricInterpretation =
    stringValue(ds, T.photometric)?.toUpperCase() ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');
  const numberOfFrames = Math.max(1, integerString(ds, T.frames) ?? 1);
  checkFrameCount(dicom, pixelDataTag, {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    numberOfFrames,
    photometricInterpretation,
  });

  const ipp = decimalValues(ds, T.ipp);
  const iop = decimalValues(ds, T.iop);
  // ImagerPixelSpacing (detector plane, before magnification) is no PixelSpacing: MONAI ignores it too.
  const ps = decimalValues(ds, T.pixelSpacing);
  const base: FrameGeometry = {
    position: ipp?.length === 3 ? ipp : undefined,
    orientation: iop?.length === 6 ? iop : undefined,
    pixelSpacing: ps?.length === 2 ? ps : undefined,
    sliceThickness: decimal(ds, T.sliceThickness),
    rescaleSlope: decimal(ds, T.slope),
    rescaleIntercept: decimal(ds, T.intercept),
  };
  // NM: geometry in the Detector Information Sequence.
  const detector = firstItem(ds, T.detectorInformation);
  if (detector) {
    const dIpp = decimalValues(detector, T.ipp);
    const dIop = decimalValues(detector, T.iop);
    if (!base.position && dIpp?.length === 3) base.position = dIpp;
    if (!base.orientation && dIop?.length === 6) base.orientation = dIop;
  }

  const perFrame = ds.elements[T.perFrame]?.items;
  const sharedDs = firstItem(ds, T.shared);
  const enhanced = perFrame !== undefined || sharedDs !== undefined;
  let frames: FrameGeometry[];
  if (enhanced) {
    const shared = sharedDs ? sliceGeometry(sharedDs, base, true) : base;
    frames = Array.from({ length: numberOfFrames }, (_, i) => {
      const item = perFrame?.[i]?.dataSet;
      return item ? sliceGeometry(item, shared, true) : { ...shared };
    });
  } else {
    frames = Array.from({ length: numberOfFrames }, () => ({ ...base }));
  }
  const gridFrameOffsetVector = decimalValues(ds, T.gridFrameOffset);

  return {
    file,
    transferSyntaxUID: dicom.transferSyntaxUID,
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: floatBits ? 1 : (us(ds, T.pixelRepresentation) ?? 0),
    planarConfiguration: us(ds, T.planar) ?? 0,
    photometricInterpretation,
    numberOfFrames,
    pixelDataTag,
    sopInstanceUID: stringValue(ds, T.sopInstance),
    sopClassUID,
    seriesInstanceUID: stringValue(ds, T.seriesUid),
    seriesDescription: stringValue(ds, 'x0008103e'),
    studyInstanceUID: stringValue(ds, T.studyUid),
    seriesNumber: integerString(ds, T.seriesNumber),
    instanceNumber: integerString(ds, T.instanceNumber),
    sliceThickness: base.sliceThickness,
    spacingBetweenSlices: decimal(ds, T.spacingBetweenSlices),
    gridFrameOffsetVector:
      gridFrameOffsetVector?.length === numberOfFrames ? gridFrameOffsetVector : undefined,
    enhanced,
    frames,
  };
}
