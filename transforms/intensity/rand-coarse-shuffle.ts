import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { RandCoarseTransform, type RandCoarseOptions, forEachInBox } from './rand-coarse-dropout.js';
import { RandImageMapTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandCoarseShuffle}. */
export type RandCoarseShuffleOptions = RandCoarseOptions;

/**
 * Shuffles the voxels inside random holes (MONAI `RandCoarseShuffle`): holes drawn as
 * RandCoarseDropout's, then per hole and channel one `R.shuffle` of the hole's voxels (C order).
 *
 * @example
 * await new RandCoarseShuffle({ holes: 4, spatialSize: [4, 4, 3], prob: 1 }).setRandomState(0).apply(img);
 */
export class RandCoarseShuffle extends RandCoarseTransform<RandCoarseShuffleOptions> {
  constructor(options: RandCoarseShuffleOptions) {
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    const out = img.clone();
    const per = img.size / img.numChannels;
    for (const box of this.holeCoords) {
      const offsets: number[] = [];
      forEachInBox([1, ...img.spatialShape], box, (o) => offsets.push(o));
      for (let c = 0; c < img.numChannels; c++) {
        const vals = offsets.map((o) => out.data[c * per + o] as number);
        this.R.shuffle(vals);
        offsets.forEach((o, k) => (out.data[c * per + o] = vals[k] as number));
      }
    }
    return out;
  }
}

/** Options of {@link RandCoarseShuffled}. */
export interface RandCoarseShuffledOptions extends MapTransformOptions, RandCoarseShuffleOptions {}

/** Dictionary twin of {@link RandCoarseShuffle}: the same holes for every key (drawn from the first). */
export class RandCoarseShuffled extends RandImageMapTransform<RandCoarseShuffle, RandCoarseShuffledOptions> {
  constructor(options: RandCoarseShuffledOptions) {
    super(options, new RandCoarseShuffle(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
