import { stat } from 'node:fs/promises';
import { ImageReadError, UnsupportedFormatError } from '../errors.js';
import { PydicomReader } from './dicom/pydicom-reader.js';
import type { ImageReader } from './image-reader.js';
import { NibabelReader } from './nifti/nifti-reader.js';
import { NumpyReader } from './numpy.js';

const readers: ImageReader[] = [];

/**
 * Registers a reader. Readers registered later are tried first (MONAI searches its list in reverse),
 * so a user's reader for a suffix wins over ours.
 */
export function registerReader(reader: ImageReader): void {
  const i = readers.findIndex((r) => r.name === reader.name);
  if (i >= 0) readers.splice(i, 1);
  readers.push(reader);
}

/** The registered reader with MONAI's name `name` (`'NibabelReader'`, `'PydicomReader'`, ...). */
export function getReader(name: string): ImageReader {
  const r = readers.find((x) => x.name === name || x.name.toLowerCase() === name.toLowerCase());
  if (!r)
    throw new UnsupportedFormatError(
      `unknown reader '${name}' (registered: ${readers.map((x) => x.name).join(', ')}); pass a reader object or register it with registerReader()`,
    );
  return r;
}

/** Names of the registered readers, most recently registered first. */
export function readerNames(): string[] {
  return readers.map((r) => r.name).reverse();
}

/**
 * Chooses the reader for a path as MONAI's LoadImage does with `reader=None`: the most recently
 * registered reader whose `verifySuffix` accepts it. Folders go to the DICOM reader.
 */
export async function findReader(path: string | readonly string[]): Promise<ImageReader> {
  const first = typeof path === 'string' ? path : path[0];
  if (first === undefined) throw new ImageReadError('(no file)', 'an empty list of files was given');
  try {
    await stat(first);
  } catch {
    throw new ImageReadError(first, 'file or folder does not exist');
  }
  for (const r of [...readers].reverse()) if (await r.verifySuffix(first)) return r;
  throw new UnsupportedFormatError(
    `no reader for this file (registered: ${readerNames().join(', ')}); supported: .nii, .nii.gz, .npy, DICOM files and folders`,
    first,
  );
}

// MONAI's order: DICOM (ITK/Pydicom) for anything the suffix readers do not take, folders included.
registerReader(new PydicomReader());
registerReader(NumpyReader);
registerReader(NibabelReader);
