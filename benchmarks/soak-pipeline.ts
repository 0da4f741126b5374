/** The soak benchmark's pipeline (a `transformModule` for worker threads): load, scale, random crop. */
import { Compose } from '../transforms/compose.js';
import { RandSpatialCropd } from '../transforms/crop-pad/rand-spatial-crop.js';
import { ScaleIntensityRanged } from '../transforms/intensity/scale-intensity-range.js';
import { LoadImaged } from '../transforms/io/load-image.js';
import { EnsureChannelFirstd } from '../transforms/utility/ensure-channel-first.js';

/** Load a cached DICOM scan (its files), channel first, CT window to [0, 1]; then an 8×8×4 random crop. */
export default function createSoakPipeline(): Compose {
  return new Compose([
    new LoadImaged({ keys: ['image'] }),
    new EnsureChannelFirstd({ keys: ['image'] }),
    new ScaleIntensityRanged({ keys: ['image'], aMin: -1000, aMax: 1000, bMin: 0, bMax: 1, clip: true }),
    new RandSpatialCropd({ keys: ['image'], roiSize: [8, 8, 4], randomSize: false }),
  ]);
}
