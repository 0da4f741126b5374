/**
 * MONAI's building blocks (`Convolution` with its ADN block, `ResidualUnit`) as tfjs-layers graph
 * pieces, channels last. Weights start as torch's defaults: U(±1/sqrt(fan_in)) for kernels and biases.
 */
import { initializers, layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { ensureConv3dTransposeGradient } from './conv3d-transpose-gradient.js';
import { InstanceNormalization } from './instance-normalization.js';
import { TrainingError } from '../training-error.js';

/** Activation names of MONAI's `Act` factory (lower case, as its constants). */
export type ActName =
  'prelu' | 'relu' | 'leakyrelu' | 'elu' | 'sigmoid' | 'tanh' | 'relu6' | 'selu' | 'softmax';
/** An activation: a name, or `[name, args]` (`negativeSlope` for leakyrelu, `init` for prelu, `alpha` for elu). */
export type Act = ActName | readonly [ActName, { negativeSlope?: number; init?: number; alpha?: number }];
/** Normalization names of MONAI's `Norm` factory. */
export type NormName = 'instance' | 'batch';
/** A normalization: a name, or `[name, args]` (`affine`, `eps`, `momentum` as torch). */
export type Norm = NormName | readonly [NormName, { affine?: boolean; eps?: number; momentum?: number }];

const ACTS: readonly ActName[] = [
  'prelu',
  'relu',
  'leakyrelu',
  'elu',
  'sigmoid',
  'tanh',
  'relu6',
  'selu',
  'softmax',
];

/** Settings shared by the blocks of one network. */
export interface BlockSettings {
  spatialDims: 2 | 3;
  act: Act | null;
  norm: Norm | null;
  dropout: number;
  bias: boolean;
  adnOrdering: string;
}

/** Refuses act/norm/dropout/ordering values the blocks cannot build. */
export function checkBlockSettings(net: string, s: BlockSettings): void {
  if (s.spatialDims !== 2 && s.spatialDims !== 3)
    throw new TrainingError(net, `spatialDims must be 2 or 3, got ${String(s.spatialDims)}`);
  if (s.act !== null) {
    const name = typeof s.act === 'string' ? s.act : s.act[0];
    if (!ACTS.includes(name))
      throw new TrainingError(net, `act must be one of ${ACTS.join(', ')}, got ${JSON.stringify(s.act)}`);
  }
  if (s.norm !== null) {
    const name = typeof s.norm === 'string' ? s.norm : s.norm[0];
    if (name !== 'instance' && name !== 'batch')
      throw new TrainingError(net, `norm must be 'instance', 'batch' or null, got ${JSON.stringify(s.norm)}`);
  }
  if (!(s.dropout >= 0 && s.dropout < 1))
    throw new TrainingError(net, `dropout must be in [0, 1), got ${s.dropout}`);
  if (!/^[NDA]{0,3}$/.test(s.adnOrdering) || new Set(s.adnOrdering).size !== s.adnOrdering.length)
    throw new TrainingError(
      net,
      `adnOrdering must be letters N, D, A at most once each (e.g. 'NDA'), got '${s.adnOrdering}'`,
    );
}

/** torch's default init U(±1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)). */
const torchKernelInit = () =>
  initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });
const torchBiasInit = (fanIn: number) =>
  initializers.randomUniform({ minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn) });

/** A convolution (`transposed` for the up path) with torch's init and 'same' padding. */
export function conv(
  x: SymbolicTensor,
  s: Pick<BlockSettings, 'spatialDims' | 'bias'>,
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  strides: number,
  transposed = false,
): SymbolicTensor {
  const fanIn = (transposed ? outChannels : inChannels) * kernelSize ** s.spatialDims;
  const args = {
    filters: outChannels,
    kernelSize,
    strides,
    padding: 'same' as const,
    useBias: s.bias,
    kernelInitializer: torchKernelInit(),
    biasInitializer: torchBiasInit(fanIn),
  };
  if (transposed && s.spatialDims === 3) ensureConv3dTransposeGradient();
  const layer =
    s.spatialDims === 3
      ? transposed
        ? layers.conv3dTranspose(args)
        : layers.conv3d(args)
      : transposed
        ? layers.conv2dTranspose(args)
        : layers.conv2d(args);
  return layer.apply(x) as SymbolicTensor;
}

function activation(x: SymbolicTensor, act: Act): SymbolicTensor {
  const [name, args] = typeof act === 'string' ? [act, {}] : [act[0], act[1]];
  switch (name) {
    case 'prelu':
      return layers
        .prelu({
          alphaInitializer: initializers.constant({ value: args.init ?? 0.25 }),
          sharedAxes: Array.from({ length: x.shape.length - 1 }, (_, i) => i + 1),
        })
        .apply(x) as SymbolicTensor;
    case 'leakyrelu':
      return layers.leakyReLU({ alpha: args.negativeSlope ?? 0.01 }).apply(x) as SymbolicTensor;
    case 'elu':
      return layers.elu({ alpha: args.alpha ?? 1 }).apply(x) as SymbolicTensor;
    default:
      return layers.activation({ activation: name }).apply(x) as SymbolicTensor;
  }
}

function normalization(x: SymbolicTensor, norm: Norm): SymbolicTensor {
  const [name, args] = typeof norm === 'string' ? [norm, {}] : [norm[0], norm[1]];
  if (name === 'instance')
    return new InstanceNormalization({ eps: args.eps ?? 1e-5, affine: args.affine ?? false }).apply(
      x,
    ) as SymbolicTensor;
  // torch BatchNorm: momentum 0.1 on the new value = keras momentum 0.9 on the running value
  return layers
    .batchNormalization({ axis: -1, epsilon: args.eps ?? 1e-5, momentum: 1 - (args.momentum ?? 0.1) })
    .apply(x) as SymbolicTensor;
}

/** MONAI's ADN block: norm, dropout and activation in `adnOrdering` order. */
export function adn(x: SymbolicTensor, s: BlockSettings): SymbolicTensor {
  let y = x;
  for (const step of s.adnOrdering) {
    if (step === 'N' && s.norm !== null) y = normalization(y, s.norm);
    if (step === 'D' && s.dropout > 0) y = layers.dropout({ rate: s.dropout }).apply(y) as SymbolicTensor;
    if (step === 'A' && s.act !== null) y = activation(y, s.act);
  }
  return y;
}

/** MONAI's `Convolution`: conv (or transposed conv), then ADN unless `convOnly`. */
export function convolution(
  x: SymbolicTensor,
  s: BlockSettings,
  inChannels: number,
  outChannels: number,
  o: { strides?: number; kernelSize?: number; transposed?: boolean; convOnly?: boolean } = {},
): SymbolicTensor {
  const y = conv(x, s, inChannels, outChannels, o.kernelSize ?? 3, o.strides ?? 1, o.transposed ?? false);
  return o.convOnly ? y : adn(y, s);
}

/**
 * MONAI's `ResidualUnit`: `subunits` Convolutions (the first with `strides`; the last conv-only when
 * `lastConvOnly`) plus a residual path (identity, or a conv: 1×1 when only the channels change).
 */
export function residualUnit(
  x: SymbolicTensor,
  s: BlockSettings,
  inChannels: number,
  outChannels: number,
  o: { strides?: number; kernelSize?: number; subunits?: number; lastConvOnly?: boolean } = {},
): SymbolicTensor {
  const strides = o.strides ?? 1;
  const kernelSize = o.kernelSize ?? 3;
  const subunits = Math.max(1, o.subunits ?? 2);
  let y = x;
  for (let su = 0; su < subunits; su++) {
    y = convolution(y, s, su === 0 ? inChannels : outChannels, outChannels, {
      strides: su === 0 ? strides : 1,
      kernelSize,
      convOnly: (o.lastConvOnly ?? false) && su === subunits - 1,
    });
  }
  let res = x;
  if (strides !== 1 || inChannels !== outChannels)
    res = conv(x, s, inChannels, outChannels, strides === 1 ? 1 : kernelSize, strides);
  return layers.add().apply([y, res]) as SymbolicTensor;
}
