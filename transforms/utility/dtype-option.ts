import { type DType, parseDType } from '../../src/image/dtype.js';
import { fail } from '../keyed-errors.js';

/**
 * Reads a dtype option as numpy/torch/MONAI users write it (`'float32'`, `'np.int16'`,
 * `'torch.float64'`, `'<f4'`). 64-bit integers have no typed array here: the error says to use
 * int32 (what tfjs uses for integers) or float64.
 */
export function dtypeOption(value: unknown, where: string, option = 'dtype'): DType {
  if (typeof value !== 'string')
    return fail(where, `${option} must be a dtype name such as 'float32', got ${String(value)}`);
  const n = value.replace(/^(np|numpy|torch)\./, '').replace(/^[<>=|]/, '');
  if (n === 'int64' || n === 'i8' || n === 'long' || n === 'uint64' || n === 'u8')
    fail(
      where,
      `${option} '${value}' (64-bit integers) is not supported: use 'int32' (tfjs' integer type) or 'float64'`,
    );
  try {
    return parseDType(value);
  } catch (e) {
    return fail(where, `${option}: ${(e as Error).message}`);
  }
}
