/** The pipeline and items the kill tests' child processes and their checks share. */
import { Compose } from '../../../transforms/compose.js';
import { LoadImaged } from '../../../transforms/io/load-image.js';
import { EnsureChannelFirstd } from '../../../transforms/utility/ensure-channel-first.js';

/** Real NIfTI files, a few hundred KiB of cache entry each. */
export function killTestItems(): { image: string; id: number }[] {
  const files = [
    'test/golden/inputs/synthetic/syn_phantom.nii.gz',
    'test/golden/inputs/nibabel/anatomical.nii',
    'test/golden/inputs/synthetic/syn_oblique.nii.gz',
  ];
  return Array.from({ length: 6 }, (_, i) => ({ image: files[i % files.length]!, id: i }));
}

/** Load and channel-first: all deterministic, so all of it is cached. */
export function killTestPipeline(): Compose {
  return new Compose([new LoadImaged({ keys: ['image'] }), new EnsureChannelFirstd({ keys: ['image'] })]);
}
