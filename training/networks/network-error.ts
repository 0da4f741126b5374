import { CscMlopsError } from '../../src/errors.js';

/** A network was given options it cannot be built with, or a checkpoint that does not fit it. */
export class NetworkError extends CscMlopsError {}
