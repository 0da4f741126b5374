import { voxelSizes } from '../image/affine.js';
import { LoadImage } from '../../transforms/io/load-image.js';
import { axcodesFromAffine } from '../image/orientation.js';

/** `csc-mlops info FILE...`: prints shape, dtype, voxel size and orientation of each image. */
export async function runInfo(args: string[]): Promise<number> {
  if (args.length === 0) {
    process.stderr.write('usage: csc-mlops info FILE|FOLDER...\n');
    return 2;
  }
  const load = new LoadImage({ ensureChannelFirst: true, dtype: null });
  for (const path of args) {
    const img = await load.apply(path);
    const n = Math.min(img.spatialDims, 3);
    const vs = voxelSizes(img.affine, n).map((v) => v.toFixed(4));
    process.stdout.write(
      `${path}\n  shape [${img.shape.join(', ')}] (channel first)  dtype ${img.dtype}\n` +
        `  voxel size ${vs.join(' × ')} mm  orientation ${axcodesFromAffine(img.affine, n)}\n`,
    );
  }
  return 0;
}
