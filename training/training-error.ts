import { CscMlopsError } from '../src/errors.js';

/**
 * A loss, metric or inferer was misused: an unknown or invalid option at construction, or inputs of the
 * wrong shape at call time. `component` names the class (`DiceLoss`, `HausdorffDistanceMetric`, ...).
 *
 * @example
 * try { new DiceLoss({ sigmoid: true, softmax: true }); }
 * catch (e) { if (e instanceof TrainingOptionError) console.error(e.component, e.option); }
 */
export class TrainingError extends CscMlopsError {
  /** Class that raised it. */
  readonly component: string;
  constructor(component: string, problem: string, options?: { cause?: unknown }) {
    super(`${component}: ${problem}`, options);
    this.component = component;
  }
}

/** An option is unknown or has an invalid value; raised at construction. `option` is its camelCase name. */
export class TrainingOptionError extends TrainingError {
  /** The offending option. */
  readonly option: string;
  constructor(component: string, option: string, problem: string) {
    super(component, `option '${option}' ${problem}`);
    this.option = option;
  }
}

/** Inputs handed to `forward`/`call` do not fit (rank, shape, channel count, dtype). */
export class TrainingShapeError extends TrainingError {}
