/** numpy-legacy-compatible random numbers: `RandomState` (MT19937), bit-identical to numpy's. */
export { RandomState, MAX_SEED } from './random-state.js';
export type { RandomStateSnapshot, RandintOptions, ChoiceOptions } from './random-state.js';
export type { IntDType } from './bounded-integers.js';
export { MT19937, MT_STATE_LENGTH } from './mt19937.js';
