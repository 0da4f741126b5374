/**
 * Construction-time checks shared by losses and metrics: unknown option names and wrong value types
 * throw a {@link TrainingOptionError} naming the class and the option.
 */
import { checkLayout, type TensorLayout } from '../src/backend/tensor-data.js';
import { TrainingOptionError } from './training-error.js';

/** Throws on any key of `options` that is not in `known` (catches typos such as `includeBackround`). */
export function rejectUnknownOptions(component: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new TrainingOptionError(
        component,
        key,
        `is not an option of ${component}; valid: ${known.join(', ')}`,
      );
  }
}

/** A boolean option with its default. */
export function boolOption(component: string, name: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean')
    throw new TrainingOptionError(component, name, `must be true or false, got ${show(value)}`);
  return value;
}

/** A finite number option with its default and an inclusive lower bound (and optional upper bound). */
export function numberOption(
  component: string,
  name: string,
  value: unknown,
  dflt: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new TrainingOptionError(
      component,
      name,
      `must be a finite number${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}, got ${show(value)}`,
    );
  return value;
}

/** One of a fixed set of strings, with its default. */
export function enumOption<T extends string>(
  component: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  dflt: T,
): T {
  if (value === undefined) return dflt;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new TrainingOptionError(
      component,
      name,
      `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`,
    );
  return value as T;
}

/** The `layout` option (default `'channelsLast'`). */
export function layoutOption(component: string, value: unknown): TensorLayout {
  if (value === undefined) return 'channelsLast';
  try {
    return checkLayout(value);
  } catch {
    throw new TrainingOptionError(
      component,
      'layout',
      `must be 'channelsLast' or 'channelsFirst', got ${show(value)}`,
    );
  }
}

/** Short printable form of an option value for messages. */
export function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
