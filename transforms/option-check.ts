import { TransformOptionError } from '../src/errors.js';
import { OPTION_TABLE } from './option-table.generated.js';

/** What one option accepts: kinds of value, literal values, and for arrays what the items accept. */
export interface OptionRule {
  /** Kinds of value accepted beyond the literal `values` (`any`: no check). */
  kinds: ('any' | 'array' | 'bigint' | 'boolean' | 'function' | 'null' | 'number' | 'object' | 'string')[];
  /** Literal values accepted (the members of a union such as `'bilinear' | 'nearest'`). */
  values?: (string | number | boolean)[];
  /** For array values: what each item accepts. */
  items?: OptionRule;
  /** The option must be given. */
  required?: true;
}

/** The options of one transform class, by name. */
export type OptionTable = Readonly<Record<string, OptionRule>>;

function kindOf(value: unknown): OptionRule['kinds'][number] | 'symbol' | 'undefined' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Whether `rule` accepts `value`. */
export function accepts(rule: OptionRule, value: unknown): boolean {
  if (rule.kinds.includes('any')) return true;
  if (rule.values?.includes(value as string)) return true;
  const kind = kindOf(value);
  if (kind === 'symbol' || kind === 'undefined' || !rule.kinds.includes(kind)) return false;
  if (kind === 'array' && rule.items) return (value as unknown[]).every((v) => accepts(rule.items!, v));
  return true;
}

function quote(v: string | number | boolean): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** "one of 'a', 'b'", "a number or an array", ... */
export function describeRule(rule: OptionRule): string {
  const parts: string[] = [];
  if (rule.values?.length)
    parts.push(`${rule.values.length === 1 ? '' : 'one of '}${rule.values.map(quote).join(', ')}`);
  for (const k of rule.kinds) {
    if (k === 'array' && rule.items) parts.push(`an array of (${describeRule(rule.items)})`);
    else
      parts.push(
        k === 'array' ? 'an array' : k === 'object' ? 'an object' : k === 'null' ? 'null' : `a ${k}`,
      );
  }
  return parts.join(' or ');
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'function') return 'a function';
  if (value && typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return String(value);
}

/**
 * Checks `options` given to transform class `className` against its option types: an unknown option,
 * a value of the wrong kind or outside a literal union, or a missing required option throws a
 * {@link TransformOptionError} naming the option and what it accepts.
 */
export function checkOptions(className: string, options: object): void {
  const table = OPTION_TABLE[className];
  if (typeof options !== 'object' || options === null) {
    const required = Object.keys(table ?? {}).filter((k) => table?.[k]?.required);
    if (required.length === 0) return;
    throw new TransformOptionError(
      className,
      required[0]!,
      `the options object is ${String(options)}`,
      `give an object with ${required.join(', ')}`,
    );
  }
  // A dictionary transform hands its (checked) options on to the array transform it wraps.
  if (checked.has(options)) return;
  if (!table) return; // a class outside the public catalogue (test/api/options.test.ts keeps the catalogue covered)
  const given = options as Record<string, unknown>;
  for (const [name, value] of Object.entries(given)) {
    const rule = table[name];
    if (!rule) {
      const known = Object.keys(table);
      throw new TransformOptionError(
        className,
        name,
        `unknown option '${name}'`,
        known.length ? `options are ${known.join(', ')}` : 'it takes no options',
      );
    }
    if (value === undefined) continue;
    if (!accepts(rule, value)) {
      throw new TransformOptionError(
        className,
        name,
        `option '${name}' is ${describeValue(value)}`,
        `it must be ${describeRule(rule)}`,
      );
    }
  }
  for (const [name, rule] of Object.entries(table)) {
    if (rule.required && given[name] === undefined) {
      throw new TransformOptionError(
        className,
        name,
        `option '${name}' is required`,
        `it must be ${describeRule(rule)}`,
      );
    }
  }
  checked.add(options);
}

/** Option objects already checked (by the dictionary transform that passes them on). */
const checked = new WeakSet<object>();

/**
 * For a transform that builds another from (a copy of) its own options: the copy, marked as checked,
 * since the outer transform checks the options the user gave against its own option type.
 */
export function passOn<T extends object>(derived: T): T {
  const copy = { ...derived };
  checked.add(copy);
  return copy;
}

/** Checks `options` for `className` now (for a constructor that hands its base class derived options). */
export function checkedOptions<T extends object>(className: string, options: T): T {
  checkOptions(className, options);
  return options;
}
