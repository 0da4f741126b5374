import { CscMlopsError, DatasetError, describeError } from '../src/errors.js';
import { describeItemSource } from './item-source.js';

/** One item that failed: its index, where it comes from, and the error. */
export interface ItemFailure {
  index: number;
  /** Files / subject of the item (see `describeItemSource`). */
  source: string;
  error: Error;
}

/** A transform failed on one dataset item: names the item index and its source (files, subject). */
export class ItemError extends DatasetError {
  /** Where the item comes from. */
  readonly source: string;
  constructor(index: number, source: string, cause: unknown) {
    super(`item ${index} (${source}): ${describeError(cause)}`, index, { cause });
    this.source = source;
  }
}

/** Wraps an error raised while processing item `index` (kept if it already names the item). */
export function itemError(index: number, item: unknown, e: unknown): ItemError {
  if (e instanceof ItemError && e.index === index) return e;
  return new ItemError(index, describeItemSource(item), e);
}

/**
 * Building a cache failed on one or more items. Lists every failed item (index, source, reason) instead
 * of stopping at the first; pass `skipFailed: true` to build without them.
 */
export class DatasetBuildError extends DatasetError {
  /** Every item that failed, in index order. */
  readonly failures: ItemFailure[];
  constructor(what: string, failures: ItemFailure[], total: number) {
    const lines = failures
      .slice(0, 20)
      .map((f) => `  item ${f.index} (${f.source}): ${describeError(f.error)}`);
    if (failures.length > 20) lines.push(`  … and ${failures.length - 20} more (see error.failures)`);
    super(
      `${failures.length} of ${total} items failed while building the ${what}:\n${lines.join('\n')}\n` +
        'Fix or remove these items, or pass skipFailed: true to leave them out.',
      failures[0]?.index,
    );
    this.failures = failures;
  }
}

/** An Error for anything thrown (strings, objects). */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new CscMlopsError(describeError(e));
}

/** Like {@link itemError} with the source already described. */
export function itemErrorWithSource(index: number, source: string, e: unknown): ItemError {
  if (e instanceof ItemError && e.index === index) return e;
  return new ItemError(index, source, e);
}
