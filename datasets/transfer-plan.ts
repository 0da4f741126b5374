/**
 * Which steps of a pipeline can cross to a worker thread, and how. Functions cannot cross threads,
 * so a pipeline travels as its *description*: for each of the package's own transforms, its class
 * name and options (nested transforms described the same way); the worker rebuilds it from the
 * package's catalogue. A step that cannot be described — a plain function, `Lambda(d)` (its options
 * hold functions), a user's own class, a transform holding a resource such as `LoadImageXNATd` (it has
 * `close()`: its session lives where it was made) — stays on the thread where it was created.
 *
 * The plan picks the longest run of describable steps `[start, end)` for the workers; the steps
 * before it (e.g. XNAT downloads and actions) and after it run on the main thread.
 */
import { DatasetError } from '../src/errors.js';
import { Compose, type ComposeStep } from '../transforms/compose.js';
import * as catalogue from '../transforms/index.js';
import { isRandomizable } from '../transforms/randomizable.js';
import { Transform, isTransform } from '../transforms/transform.js';
import { isPlainObject } from './item-values.js';
import { OPTION_TAG, type PipelineSpec, type StayingStep, type StepSpec } from './pipeline-spec.js';

/** Where each step of a pipeline runs. */
export interface TransferPlan {
  /** First step run by the workers. */
  start: number;
  /** Step after the last one run by the workers. */
  end: number;
  /** What the workers rebuild. */
  spec: PipelineSpec;
  /** Why each step that stays on the main thread cannot cross (index → reason). */
  staying: Map<number, string>;
}

type TransformClass = new (...args: unknown[]) => Transform;

const CATALOGUE = new Map<string, TransformClass>();
for (const v of Object.values(catalogue))
  if (typeof v === 'function' && v.prototype instanceof Transform)
    CATALOGUE.set(v.name, v as unknown as TransformClass);

/** Why `step` cannot cross to a worker, or undefined when it can. */
function whyStays(step: ComposeStep): string | undefined {
  if (!isTransform(step)) return 'a plain function';
  const ctor = step.constructor as TransformClass;
  if (CATALOGUE.get(ctor.name) !== ctor) return `${ctor.name} is not one of the package's transforms`;
  if (!(step instanceof Compose) && ctor.length > 1) return `${ctor.name} takes more than an options object`;
  if (step instanceof Compose) {
    for (const [i, t] of step.transforms.entries()) {
      const why = whyStays(t);
      if (why) return `its step ${i}: ${why}`;
    }
    return undefined;
  }
  if (typeof (step as { close?: unknown }).close === 'function')
    return `${ctor.name} holds a resource (a session or files: it has close()) and runs where it was made`;
  return whyOption(step.options, ctor.name, '');
}

function whyOption(v: unknown, cls: string, path: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return undefined;
  if (t === 'function') return `${cls} option '${path}' is a function`;
  if (isTransform(v)) {
    const why = whyStays(v as Transform);
    return why ? `${cls} option '${path}': ${why}` : undefined;
  }
  if (ArrayBuffer.isView(v) || v instanceof RegExp) return undefined;
  const entries: [string, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [String(i), x])
    : isPlainObject(v)
      ? Object.entries(v)
      : [];
  if (!Array.isArray(v) && !isPlainObject(v))
    return `${cls} option '${path}' is a ${(v as object).constructor?.name ?? 'non-plain'} object`;
  for (const [k, x] of entries) {
    const why = whyOption(x, cls, path ? `${path}.${k}` : k);
    if (why) return why;
  }
  return undefined;
}

/** The description of a transform that can cross (see {@link whyStays}). */
function specOf(step: Transform): StepSpec {
  const spec: StepSpec = { class: step.constructor.name, options: encodeOption(step.options) };
  if (step instanceof Compose) spec.transforms = step.transforms.map((t) => specOf(t as Transform));
  return spec;
}

function encodeOption(v: unknown): unknown {
  if (isTransform(v)) return { [OPTION_TAG]: specOf(v) };
  if (Array.isArray(v)) return v.map(encodeOption);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeOption(x);
    return out;
  }
  return v;
}

/**
 * Plans where the steps of `compose` run with worker threads: the longest run of steps that can
 * cross, among the first `limit` steps (a cache build runs only the cached prefix). Throws a
 * DatasetError naming the steps and what to do when none can cross (`who` names the option's owner).
 */
export function planTransfer(compose: Compose, who: string, limit = compose.length): TransferPlan {
  const staying = new Map<number, string>();
  compose.transforms.forEach((t, i) => {
    const why = whyStays(t);
    if (why) staying.set(i, why);
  });
  let best = { start: 0, end: 0 };
  let s = 0;
  for (let i = 0; i <= limit; i++) {
    if (i === limit || staying.has(i)) {
      if (i - s > 0 && i - s >= best.end - best.start) best = { start: s, end: i };
      s = i + 1;
    }
  }
  if (best.end === best.start) {
    const list = [...staying]
      .filter(([i]) => i < limit)
      .map(([i, why]) => `step ${i} (${why})`)
      .join('; ');
    throw new DatasetError(
      `${who}: numWorkers asks for worker threads, but no step of the ${limit < compose.length ? 'cached part of the ' : ''}pipeline can run in one: ${list || 'there is no such step'}. ` +
        "Build those steps from the package's transforms (with options that hold no functions), " +
        'or name a module that builds the pipeline in each worker (transformModule: a module exporting a factory), ' +
        'or use numWorkers: 0.',
    );
  }
  const steps = compose.transforms.map((t, i): StepSpec | StayingStep =>
    i >= best.start && i < best.end
      ? specOf(t as Transform)
      : { stays: true, transform: isTransform(t), random: isRandomizable(t) },
  );
  return {
    ...best,
    staying,
    spec: { composeOptions: { mapItems: compose.mapItems, unpackItems: compose.unpackItems }, steps },
  };
}

/**
 * True when a step in `[start, compose.length)` may change its input in place (plain functions,
 * `Lambda(d)`, users' classes): a cached item must then be copied before those steps run. The
 * package's own transforms never write into their input.
 */
export function mayMutateInput(compose: Compose, start: number): boolean {
  for (let i = start; i < compose.length; i++) {
    const t = compose.transforms[i] as ComposeStep;
    if (!isTransform(t)) return true;
    const ctor = t.constructor as TransformClass;
    if (CATALOGUE.get(ctor.name) !== ctor || ctor.name === 'Lambda' || ctor.name === 'Lambdad') return true;
    if (t instanceof Compose && mayMutateInput(t, 0)) return true;
  }
  return false;
}
