import { open } from 'node:fs/promises';
import { parseDicomFile } from '../io/dicom/parse.js';

/** The few DICOM header fields XNAT uses to describe a series. */
export interface DicomSeriesHeader {
  seriesInstanceUid: string | undefined;
  seriesDescription: string | undefined;
  seriesNumber: number | undefined;
  modality: string | undefined;
  /** StudyDate as `YYYY-MM-DD`. */
  studyDate: string | undefined;
  studyInstanceUid: string | undefined;
}

const DICOM_SUFFIX = /\.(dcm|dicom|ima)$/i;
const NOT_DICOM_SUFFIX =
  /\.(nii|nii\.gz|gz|zip|xml|json|txt|csv|gif|jpe?g|png|bmp|html?|pdf|mat|npy|nrrd|mha|mhd|raw|log|md)$/i;

/** True if `name` has a DICOM suffix (`.dcm`, `.dicom`, `.ima`, any case). */
export function hasDicomSuffix(name: string): boolean {
  return DICOM_SUFFIX.test(name);
}

/** True if `name` is a NIfTI file (`.nii`, `.nii.gz`, any case). */
export function isNiftiName(name: string): boolean {
  return /\.nii(\.gz)?$/i.test(name);
}

/**
 * True if the file looks like DICOM: a DICOM suffix, or (for names without a known other suffix)
 * the `DICM` magic at byte 128 (XNAT archives often hold suffix-less DICOM).
 */
export async function looksLikeDicom(path: string): Promise<boolean> {
  if (hasDicomSuffix(path)) return true;
  if (NOT_DICOM_SUFFIX.test(path)) return false;
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(132);
    const { bytesRead } = await fh.read(buf, 0, 132, 0);
    return bytesRead === 132 && buf.toString('latin1', 128, 132) === 'DICM';
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

function dicomDate(s: string | undefined): string | undefined {
  const m = s ? /^(\d{4})(\d{2})(\d{2})/.exec(s.trim()) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** Reads the series-level header fields of one DICOM file; `undefined` if it does not parse. */
export async function readDicomSeriesHeader(path: string): Promise<DicomSeriesHeader | undefined> {
  try {
    // the DICOM reader's header-only parse (first 64 KiB, the whole file only when the header is longer)
    const ds = (await parseDicomFile(path, { headerOnly: true })).dataSet;
    const str = (tag: string): string | undefined => {
      const v = ds.string(tag);
      return v === undefined || v.trim() === '' ? undefined : v.trim();
    };
    const num = str('x00200011');
    return {
      seriesInstanceUid: str('x0020000e'),
      seriesDescription: str('x0008103e'),
      seriesNumber: num === undefined || !Number.isFinite(Number(num)) ? undefined : Number(num),
      modality: str('x00080060'),
      studyDate: dicomDate(str('x00080020')),
      studyInstanceUid: str('x0020000d'),
    };
  } catch {
    return undefined;
  }
}
