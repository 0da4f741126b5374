import type { DType } from '../image/dtype.js';
import type { MetaImage } from '../image/meta-image.js';

/** Options every reader understands; readers add their own (passed through by `LoadImage`). */
export interface ReadOptions {
  /** Reader-specific options (`swapIj`, `affineLpsToRas`, `asClosestCanonical`, ...). */
  [option: string]: unknown;
}

/**
 * A file-format reader, as MONAI's `ImageReader`: `read` returns one channel-last-as-stored image
 * with MONAI's meta (`spatial_shape`, `original_channel_dim`, `affine` RAS, header fields).
 * The array is channel-first only when `original_channel_dim` says so: `LoadImage` and
 * `EnsureChannelFirst` move channels as MONAI does.
 *
 * Convention for the returned MetaImage: `shape` is the array as MONAI's reader returns it
 * (e.g. `[x, y, z]` for a 3D NIfTI, `[x, y, z, t]` for 4D) — *not yet channel-first*; `meta.original_channel_dim`
 * says where the channel axis is (`'no_channel'`, or an axis index, -1 for last).
 */
export interface ImageReader {
  /** MONAI's name for the reader: `'NibabelReader'`, `'PydicomReader'`, `'NumpyReader'`. */
  readonly name: string;
  /** True if this reader handles the path (by suffix, or a folder for DICOM). */
  verifySuffix(path: string): boolean | Promise<boolean>;
  /**
   * Reads one path (file or folder). A list of paths means one image made of several files
   * where the format has such a thing (a DICOM series given as files); otherwise `LoadImage`
   * reads each path and stacks them as channels.
   */
  read(
    path: string | readonly string[],
    options?: ReadOptions & { dtype?: DType | null },
  ): Promise<MetaImage>;
}
