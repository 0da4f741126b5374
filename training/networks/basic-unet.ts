import { LayersModel, input, layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { checkBlockSettings, conv, convolution, type Act, type BlockSettings, type Norm } from './blocks.js';
import { ReplicatePadToMatch } from './replicate-pad-to-match.js';
import { TrainingError } from '../training-error.js';

/** Options of {@link BasicUNet}: MONAI's `BasicUNet` arguments in camelCase, MONAI's defaults. */
export interface BasicUNetOptions {
  /** 2 or 3 (default 3). */
  spatialDims?: 2 | 3;
  /** Default 1. */
  inChannels?: number;
  /** Default 2. */
  outChannels?: number;
  /** Six feature sizes: five levels and the last up-block (default `[32, 32, 64, 128, 256, 32]`). */
  features?: readonly number[];
  /** Activation (default `['leakyrelu', { negativeSlope: 0.1 }]`). */
  act?: Act | null;
  /** Normalization (default `['instance', { affine: true }]`). */
  norm?: Norm | null;
  /** Convolution biases (default true). */
  bias?: boolean;
  /** Dropout rate (default 0). */
  dropout?: number;
  /** Up-sampling: only MONAI's default `'deconv'` (transposed convolution, kernel 2, stride 2). */
  upsample?: 'deconv';
}

function build(o: BasicUNetOptions): { inputs: SymbolicTensor; outputs: SymbolicTensor; name: string } {
  const s: BlockSettings = {
    spatialDims: o.spatialDims ?? 3,
    act: o.act === undefined ? ['leakyrelu', { negativeSlope: 0.1 }] : o.act,
    norm: o.norm === undefined ? ['instance', { affine: true }] : o.norm,
    dropout: o.dropout ?? 0,
    bias: o.bias ?? true,
    adnOrdering: 'NDA',
  };
  checkBlockSettings('BasicUNet', s);
  if ((o.upsample ?? 'deconv') !== 'deconv')
    throw new TrainingError(
      'BasicUNet',
      `only upsample 'deconv' is available, got ${JSON.stringify(o.upsample)}`,
    );
  const f = o.features ?? [32, 32, 64, 128, 256, 32];
  if (f.length !== 6 || f.some((x) => !Number.isInteger(x) || x < 1))
    throw new TrainingError('BasicUNet', `features must be 6 positive integers, got ${JSON.stringify(f)}`);
  const [f0, f1, f2, f3, f4, f5] = f as [number, number, number, number, number, number];
  const inChannels = o.inChannels ?? 1;
  const outChannels = o.outChannels ?? 2;

  const twoConv = (x: SymbolicTensor, inc: number, outc: number) =>
    convolution(convolution(x, s, inc, outc), s, outc, outc);
  const pool = (x: SymbolicTensor) =>
    (s.spatialDims === 3 ? layers.maxPooling3d({ poolSize: 2 }) : layers.maxPooling2d({ poolSize: 2 })).apply(
      x,
    ) as SymbolicTensor;
  const downBlock = (x: SymbolicTensor, inc: number, outc: number) => twoConv(pool(x), inc, outc);
  const upCat = (
    x: SymbolicTensor,
    xe: SymbolicTensor,
    inc: number,
    catc: number,
    outc: number,
    halves = true,
  ) => {
    const upc = halves ? Math.floor(inc / 2) : inc;
    const x0 = conv(x, s, inc, upc, 2, 2, true);
    const padded = new ReplicatePadToMatch({}).apply([xe, x0]) as SymbolicTensor;
    return twoConv(layers.concatenate({ axis: -1 }).apply([xe, padded]) as SymbolicTensor, catc + upc, outc);
  };

  const inputs = input({ shape: [...new Array<null>(s.spatialDims).fill(null), inChannels] });
  const x0 = twoConv(inputs, inChannels, f0);
  const x1 = downBlock(x0, f0, f1);
  const x2 = downBlock(x1, f1, f2);
  const x3 = downBlock(x2, f2, f3);
  const x4 = downBlock(x3, f3, f4);
  const u4 = upCat(x4, x3, f4, f3, f3);
  const u3 = upCat(u4, x2, f3, f2, f2);
  const u2 = upCat(u3, x1, f2, f1, f1);
  const u1 = upCat(u2, x0, f1, f0, f5, false);
  const outputs = conv(u1, { spatialDims: s.spatialDims, bias: true }, f5, outChannels, 1, 1); // final_conv: always biased
  return { inputs, outputs, name: 'BasicUNet' };
}

/**
 * MONAI's `BasicUNet` (two convolutions per level, max-pooling down, transposed convolutions up,
 * odd sizes handled by replicate padding) as a `tf.LayersModel`, channels last.
 *
 * @example
 * const net = new BasicUNet({ spatialDims: 2, inChannels: 1, outChannels: 3, features: [16, 16, 32, 64, 128, 16] });
 */
export class BasicUNet extends LayersModel {
  constructor(options: BasicUNetOptions = {}) {
    super(build(options));
  }
}
