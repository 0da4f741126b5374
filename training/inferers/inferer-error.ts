import { CscMlopsError } from '../../src/errors.js';

/** Sliding-window inference was given options or a predictor output it cannot work with. */
export class InfererError extends CscMlopsError {}
