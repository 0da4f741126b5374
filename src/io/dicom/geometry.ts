/**
 * DICOM geometry → MONAI's PydicomReader affine. In LPS, for the array indexed (row, column,
 * slice): column 0 = column cosines × PixelSpacing[0], column 1 = row cosines × PixelSpacing[1],
 * column 2 = (last position − first position)/(n − 1) (for one slice: (0, 0, 1)), origin = first
 * position. `swapIj` swaps columns 0 and 1 (array (column, row, slice)); `lpsToRas` negates rows
 * 0 and 1.
 *
 * Without ImageOrientationPatient or ImagePositionPatient (secondary captures, CR, cine without
 * geometry) MONAI 1.4's `PydicomReader._get_affine` returns `np.eye(4)` at once: PixelSpacing and
 * the slice step are not used and the LPS → RAS flip is not applied; `get_data` then applies
 * `swap_ij` (`affine @ P`, P swapping axes 0 and 1). {@link dicomAffine} does the same.
 */
import { type AffineMatrix, identityAffine, lpsToRas } from '../../image/affine.js';

/** Inputs of {@link dicomAffine}. */
export interface DicomAffineInput {
  /** ImageOrientationPatient (row cosines, column cosines); when missing, no geometry (see the module comment). */
  orientation: readonly number[] | undefined;
  /** PixelSpacing [between rows, between columns]; 1 mm when missing. */
  pixelSpacing: readonly number[] | undefined;
  /** Position of the first slice (LPS); when missing, no geometry (see the module comment). */
  origin: readonly number[] | undefined;
  /**
   * Step between slices (LPS vector): undefined for a single 2D image, whose third column is
   * (0, 0, 1) whatever its orientation, as MONAI does.
   */
  sliceStep: readonly number[] | undefined;
  /** Swap the first two array axes (MONAI `swap_ij`, default true). */
  swapIj: boolean;
  /** Return an RAS affine (MONAI `affine_lps_to_ras`, default true). */
  lpsToRas: boolean;
}

/** Slice normal: row cosines × column cosines (identity orientation when missing). */
export function sliceNormal(orientation: readonly number[] | undefined): number[] {
  const [rx, ry, rz, cx, cy, cz] = orientation ?? [1, 0, 0, 0, 1, 0];
  return [ry! * cz! - rz! * cy!, rz! * cx! - rx! * cz!, rx! * cy! - ry! * cx!];
}

/** Dot product of two 3-vectors. */
export function dot3(a: readonly number[], b: readonly number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/**
 * True when the image has both ImageOrientationPatient and ImagePositionPatient, the condition of
 * MONAI's `PydicomReader._get_affine` for building the affine from them.
 */
export function hasGeometry<T extends Pick<DicomAffineInput, 'orientation' | 'origin'>>(
  input: T,
): input is T & { orientation: readonly number[]; origin: readonly number[] } {
  return input.orientation !== undefined && input.origin !== undefined;
}

/** The affine of a DICOM image or series (see the module comment). */
export function dicomAffine(input: DicomAffineInput): AffineMatrix {
  const a = identityAffine();
  if (!hasGeometry(input)) {
    if (input.swapIj) a.set([0, 1, 0, 0, 1, 0, 0, 0], 0);
    return a;
  }
  const [rx, ry, rz, cx, cy, cz] = input.orientation;
  const [dr, dc] = input.pixelSpacing ?? [1, 1];
  const [sx, sy, sz] = input.origin;
  const col0 = [cx! * dr!, cy! * dr!, cz! * dr!];
  const col1 = [rx! * dc!, ry! * dc!, rz! * dc!];
  const col2 = input.sliceStep ? [...input.sliceStep] : [0, 0, 1];
  const [c0, c1] = input.swapIj ? [col1, col0] : [col0, col1];
  for (let r = 0; r < 3; r++) {
    a[r * 4 + 0] = c0[r]!;
    a[r * 4 + 1] = c1[r]!;
    a[r * 4 + 2] = col2[r]!;
  }
  a[3] = sx!;
  a[7] = sy!;
  a[11] = sz!;
  return input.lpsToRas ? lpsToRas(a) : a;
}
