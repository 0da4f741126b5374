import { parse, stringify } from 'yaml';
import { ConfigError } from '../errors.js';

/**
 * The flat YAML files of MLflow's FileStore (`meta.yaml`): one `key: value` per line, scalar values and
 * empty lists, through the `yaml` package in YAML 1.1 (what MLflow's PyYAML reads and writes): keys sorted as
 * PyYAML's `safe_dump`, strings that YAML 1.1 would read as another type single-quoted as PyYAML does
 * (double-quoted when they hold a quote or control characters), no block scalars.
 */
export type FlatYamlValue = string | number | boolean | null | [];

const DUMP = {
  version: '1.1',
  sortMapEntries: true,
  singleQuote: true,
  lineWidth: 0,
  blockQuote: false,
} as const;

/** Serialises a flat object as a YAML 1.1 mapping, keys sorted. */
export function dumpFlatYaml(obj: Record<string, FlatYamlValue>): string {
  return stringify(obj, DUMP);
}

/** Parses a flat YAML 1.1 mapping; an empty file is an empty mapping, anything but a mapping is an error. */
export function parseFlatYaml(text: string): Record<string, FlatYamlValue> {
  let doc: unknown;
  try {
    doc = parse(text, { version: '1.1' });
  } catch (e) {
    throw new ConfigError(`not a valid MLflow meta.yaml: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
    });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(
      `not a valid MLflow meta.yaml: expected a mapping, got ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  return doc as Record<string, FlatYamlValue>;
}
