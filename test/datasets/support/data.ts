/** Real NIfTI inputs for dataset tests (the golden inputs, single-channel 3D, all ≥ 20×20×12). */
export const NIFTI_FILES = [
  'test/golden/inputs/synthetic/syn_phantom.nii.gz',
  'test/golden/inputs/synthetic/syn_label.nii.gz',
  'test/golden/inputs/synthetic/syn_oblique.nii.gz',
  'test/golden/inputs/synthetic/syn_qform_only.nii',
  'test/golden/inputs/synthetic/syn_scl.nii',
  'test/golden/inputs/synthetic/syn_sform_mismatch.nii.gz',
  'test/golden/inputs/nibabel/anatomical.nii',
];

/** `n` items cycling over the files, each `{ image, id }`. */
export function niftiItems(n = NIFTI_FILES.length): { image: string; id: number }[] {
  return Array.from({ length: n }, (_, i) => ({
    image: NIFTI_FILES[i % NIFTI_FILES.length] as string,
    id: i,
  }));
}
