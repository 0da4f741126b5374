/** Pipeline factory for worker-thread tests (what users pass as `transformModule`). */
import { isMainThread } from 'node:worker_threads';
import { Compose, type ComposeStep } from '../../../transforms/compose.js';
import { EnsureChannelFirstd } from '../../../transforms/utility/ensure-channel-first.js';
import { LoadImaged } from '../../../transforms/io/load-image.js';
import { Transform, type DataItem } from '../../../transforms/transform.js';
import { FailOnd, RandCropSamplesd, RandCropd, RandOffsetd, Scaled } from './rand-transforms.js';

/** Exits the worker thread on items marked `crash` (a stand-in for a native crash or OOM kill). */
export class CrashOnd extends Transform<DataItem> {
  async apply(data: DataItem): Promise<DataItem> {
    if (data.crash === true) {
      if (isMainThread) throw new Error('CrashOnd would exit the process');
      process.exit(7);
    }
    return { ...data };
  }
}

/** Factory arguments. */
export interface PipelineArgs {
  roi?: number[];
  numSamples?: number;
  crash?: boolean;
  fail?: boolean;
}

/** Load, channel first, scale (cached prefix), then random crop(s) and a random offset. */
export default function createPipeline(args: PipelineArgs = {}): Compose {
  const roi = args.roi ?? [8, 8, 8];
  const steps: ComposeStep[] = [
    new LoadImaged({ keys: ['image'] }),
    new EnsureChannelFirstd({ keys: ['image'] }),
    new Scaled({ keys: ['image'], factor: 0.5 }),
  ];
  if (args.fail) steps.push(new FailOnd());
  steps.push(
    args.numSamples
      ? new RandCropSamplesd({ keys: ['image'], roiSize: roi, numSamples: args.numSamples })
      : new RandCropd({ keys: ['image'], roiSize: roi }),
  );
  if (args.crash) steps.push(new CrashOnd());
  steps.push(new RandOffsetd({ keys: ['image'], range: 10 }));
  return new Compose(steps);
}

/** A different pipeline under a named export (for the mismatch test). */
export function otherPipeline(): Compose {
  return new Compose([new LoadImaged({ keys: ['image'] }), new EnsureChannelFirstd({ keys: ['image'] })]);
}
