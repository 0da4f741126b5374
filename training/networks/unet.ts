import { LayersModel, input, layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import {
  checkBlockSettings,
  convolution,
  residualUnit,
  type Act,
  type BlockSettings,
  type Norm,
} from './blocks.js';
import { TrainingError } from '../training-error.js';

/** Options of {@link UNet}: MONAI's `UNet` arguments in camelCase, MONAI's defaults. */
export interface UNetOptions {
  /** 2 or 3. */
  spatialDims: 2 | 3;
  inChannels: number;
  outChannels: number;
  /** Channels per level, top to bottom, at least 2 (e.g. `[16, 32, 64, 128, 256]`). */
  channels: readonly number[];
  /** Down-sampling stride per level transition, `channels.length - 1` of them (e.g. `[2, 2, 2, 2]`). */
  strides: readonly number[];
  /** Convolution kernel size (default 3). */
  kernelSize?: number;
  /** Transposed-convolution kernel size (default 3). */
  upKernelSize?: number;
  /** Residual units per block; 0 = plain convolutions (default 0). */
  numResUnits?: number;
  /** Activation (default `'prelu'`). */
  act?: Act | null;
  /** Normalization (default `'instance'`, torch's InstanceNorm without affine). */
  norm?: Norm | null;
  /** Dropout rate (default 0). */
  dropout?: number;
  /** Convolution biases (default true). */
  bias?: boolean;
  /** Order of norm (N), dropout (D), activation (A) after each convolution (default `'NDA'`). */
  adnOrdering?: string;
}

function positiveInts(name: string, v: readonly number[]): void {
  if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x) || x < 1))
    throw new TrainingError('UNet', `${name} must be positive integers, got ${JSON.stringify(v)}`);
}

function build(o: UNetOptions): { inputs: SymbolicTensor; outputs: SymbolicTensor; name: string } {
  const s: BlockSettings = {
    spatialDims: o.spatialDims,
    act: o.act === undefined ? 'prelu' : o.act,
    norm: o.norm === undefined ? 'instance' : o.norm,
    dropout: o.dropout ?? 0,
    bias: o.bias ?? true,
    adnOrdering: o.adnOrdering ?? 'NDA',
  };
  checkBlockSettings('UNet', s);
  positiveInts('channels', o.channels);
  positiveInts('strides', o.strides);
  positiveInts('inChannels/outChannels', [o.inChannels, o.outChannels]);
  if (o.channels.length < 2)
    throw new TrainingError('UNet', 'the length of `channels` should be no less than 2.');
  if (o.strides.length < o.channels.length - 1)
    throw new TrainingError(
      'UNet',
      `the length of \`strides\` should equal to \`len(channels) - 1\`, got ${o.strides.length} for ${o.channels.length} channels.`,
    );
  const kernelSize = o.kernelSize ?? 3;
  const upKernelSize = o.upKernelSize ?? 3;
  const numRes = o.numResUnits ?? 0;
  if (!Number.isInteger(numRes) || numRes < 0)
    throw new TrainingError('UNet', `numResUnits must be an integer ≥ 0, got ${numRes}`);

  const down = (x: SymbolicTensor, inc: number, outc: number, strides: number) =>
    numRes > 0
      ? residualUnit(x, s, inc, outc, { strides, kernelSize, subunits: numRes })
      : convolution(x, s, inc, outc, { strides, kernelSize });
  const up = (x: SymbolicTensor, inc: number, outc: number, strides: number, isTop: boolean) => {
    const y = convolution(x, s, inc, outc, {
      strides,
      kernelSize: upKernelSize,
      transposed: true,
      convOnly: isTop && numRes === 0,
    });
    return numRes > 0
      ? residualUnit(y, s, outc, outc, { strides: 1, kernelSize, subunits: 1, lastConvOnly: isTop })
      : y;
  };
  // MONAI's recursive _create_block: down, SkipConnection(cat [x, sub(x)]), up
  const block = (
    x: SymbolicTensor,
    inc: number,
    outc: number,
    channels: readonly number[],
    strides: readonly number[],
    isTop: boolean,
  ): SymbolicTensor => {
    const c = channels[0] as number;
    const st = strides[0] as number;
    const d = down(x, inc, c, st);
    let sub: SymbolicTensor;
    let upc: number;
    if (channels.length > 2) {
      sub = block(d, c, c, channels.slice(1), strides.slice(1), false);
      upc = c * 2;
    } else {
      sub = down(d, c, channels[1] as number, 1);
      upc = c + (channels[1] as number);
    }
    const cat = layers.concatenate({ axis: -1 }).apply([d, sub]) as SymbolicTensor;
    return up(cat, upc, outc, st, isTop);
  };
  const inputs = input({ shape: [...new Array<null>(o.spatialDims).fill(null), o.inChannels] });
  return {
    inputs,
    outputs: block(inputs, o.inChannels, o.outChannels, o.channels, o.strides, true),
    name: 'UNet',
  };
}

/**
 * MONAI's `UNet` (with residual units when `numResUnits > 0`) as a `tf.LayersModel`, channels last:
 * input `[B, X, Y(, Z), inChannels]` → logits `[B, X, Y(, Z), outChannels]`; each spatial size must be
 * divisible by the product of `strides`. Saved and loaded as any tfjs model (its custom layers register
 * when this module is imported).
 *
 * @example
 * const net = new UNet({ spatialDims: 3, inChannels: 1, outChannels: 2, channels: [16, 32, 64, 128, 256],
 *   strides: [2, 2, 2, 2], numResUnits: 2 });
 */
export class UNet extends LayersModel {
  constructor(options: UNetOptions) {
    super(build(options));
  }
}
