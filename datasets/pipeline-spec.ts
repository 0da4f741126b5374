/**
 * A pipeline as it crosses to a worker thread (see transfer-plan.ts, which makes it on the main
 * thread) and its rebuilding in the worker, importing only the modules of the transforms it uses.
 */
import { DatasetError } from '../src/errors.js';
import { Compose, type ComposeStep } from '../transforms/compose.js';
import { markRandomizable } from '../transforms/randomizable.js';
import { Transform, isTransform } from '../transforms/transform.js';
import { isPlainObject } from './item-values.js';
import { loadTransformClass } from './transform-catalogue.js';

/** Marks a transform option holding a transform (rebuilt in the worker). */
export const OPTION_TAG = '__cscMlopsStep';

/** A transform as it crosses a thread: class, options, children (Compose and its variants). */
export interface StepSpec {
  class: string;
  options: unknown;
  transforms?: StepSpec[];
}

/** A step that stays on the main thread, as the worker sees it (keeps seeding and the cache cut equal). */
export interface StayingStep {
  stays: true;
  /** A transform (else a plain function, which ends the cache like the original). */
  transform: boolean;
  random: boolean;
}

/** The whole pipeline as a worker rebuilds it. */
export interface PipelineSpec {
  composeOptions: { mapItems: boolean; unpackItems: boolean };
  steps: (StepSpec | StayingStep)[];
}

async function decodeOption(v: unknown): Promise<unknown> {
  if (Array.isArray(v)) return Promise.all(v.map(decodeOption));
  if (isPlainObject(v)) {
    if (v[OPTION_TAG] !== undefined) return buildStep(v[OPTION_TAG] as StepSpec);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await decodeOption(x);
    return out;
  }
  return v;
}

/** Rebuilds a transform from its description (in a worker). */
async function buildStep(spec: StepSpec): Promise<Transform> {
  const Ctor = (await loadTransformClass(spec.class)) as (new (...args: unknown[]) => Transform) | undefined;
  if (typeof Ctor !== 'function')
    throw new DatasetError(`the worker's package has no transform named ${spec.class}`);
  const options = await decodeOption(spec.options);
  if (spec.transforms) return new Ctor(await Promise.all(spec.transforms.map(buildStep)), options);
  return new Ctor(options);
}

/** Stands in a worker for a step that runs on the main thread: never applied there. */
class MainThreadStep extends Transform {
  R: unknown;
  constructor(random: boolean) {
    super({});
    if (random) markRandomizable(this);
  }
  setRandomState(): this {
    return this; // the real step is seeded on the main thread with the same draw
  }
  async apply(): Promise<never> {
    throw new DatasetError('internal: a main-thread step was sent to a worker');
  }
}

function mainThreadFunction(): never {
  throw new DatasetError('internal: a main-thread step was sent to a worker');
}

/** Rebuilds the pipeline a worker runs (steps outside the plan's range only hold their place). */
export async function buildPipeline(spec: PipelineSpec): Promise<Compose> {
  const steps = await Promise.all(
    spec.steps.map(async (s): Promise<ComposeStep> => {
      if ('stays' in s) return s.transform ? new MainThreadStep(s.random) : mainThreadFunction;
      return buildStep(s);
    }),
  );
  return new Compose(steps, spec.composeOptions);
}

/** The description of one step, for comparing the main thread's pipeline with a worker's. */
export function describeStep(step: ComposeStep): string {
  return JSON.stringify(isTransform(step) ? step.describe() : `fn:${step.toString()}`);
}
