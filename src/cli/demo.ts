import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { axcodesFromAffine, voxelSizes } from '../image/affine.js';
import type { MetaImage } from '../image/meta-image.js';
import { Compose, EnsureChannelFirstd, LoadImaged } from '../../transforms/index.js';

/** Folder of the bundled real images (the golden inputs, shipped in the repository). */
export function bundledDataDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/cli → repo root; dist/src/cli → repo root
  for (const up of ['../..', '../../..']) {
    const dir = resolve(here, up, 'test/golden/inputs');
    if (existsSync(dir)) return dir;
  }
  return resolve('test/golden/inputs');
}

/** The main job on the embedded default data: loads and transforms the bundled real images. */
export async function runDemo(args: string[]): Promise<number> {
  const quiet = args.includes('--quiet');
  const log = (s: string) => {
    if (!quiet) process.stdout.write(`${s}\n`);
  };
  const data = bundledDataDir();
  const items = [
    { image: join(data, 'synthetic/syn_phantom.nii.gz'), label: join(data, 'synthetic/syn_label.nii.gz') },
    { image: join(data, 'nibabel/anatomical.nii'), label: join(data, 'nibabel/anatomical.nii') },
  ];
  const pipeline = new Compose([new LoadImaged({ keys: ['image', 'label'] }), new EnsureChannelFirstd({ keys: ['image', 'label'] })]);
  for (const item of items) {
    const out = (await pipeline.apply(item)) as Record<string, MetaImage>;
    const img = out.image as MetaImage;
    log(
      `${item.image.slice(data.length + 1)}: [${img.shape.join(', ')}] ${img.dtype}, ` +
        `${voxelSizes(img.affine).map((v) => v.toFixed(2)).join('×')} mm, ${axcodesFromAffine(img.affine)}`,
    );
  }
  return 0;
}
