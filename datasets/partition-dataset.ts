import { DatasetError } from '../src/errors.js';
import { RandomState } from '../src/random/index.js';

/** Options of {@link partitionDataset} (MONAI `partition_dataset`). */
export interface PartitionOptions {
  /** Split by ratios, e.g. `[8, 1, 1]` (takes precedence over `numPartitions`). */
  ratios?: readonly number[];
  /** Number of even partitions (items dealt round-robin). */
  numPartitions?: number;
  /** Shuffle before splitting with numpy's `RandomState(seed)` (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0; the same in every process, so ranks agree). */
  seed?: number;
  /** With `evenDivisible`: drop the tail instead of repeating items (default false). */
  dropLast?: boolean;
  /** Give every partition the same length (default false). */
  evenDivisible?: boolean;
}

/**
 * Splits data into partitions exactly as MONAI's `partition_dataset` (same items, same order, same
 * shuffle for the same seed), e.g. one partition per rank of a distributed trainer so each process
 * caches only its share.
 *
 * @example
 * partitionDataset([1, 2, 3, 4, 5], { numPartitions: 2 });                       // [[1, 3, 5], [2, 4]]
 * partitionDataset([1, 2, 3, 4, 5], { numPartitions: 2, evenDivisible: true });  // [[1, 3, 5], [2, 4, 1]]
 * partitionDataset([1, 2, 3, 4, 5], { ratios: [0.6, 0.2, 0.2] });                // [[1, 2, 3], [4], [5]]
 */
export function partitionDataset<T>(data: readonly T[], options: PartitionOptions): T[][] {
  if (!Array.isArray(data)) throw new DatasetError('partitionDataset expects an array of items');
  const n = data.length;
  let indices = Array.from({ length: n }, (_, i) => i);
  if (options.shuffle) new RandomState(options.seed ?? 0).shuffle(indices);
  const ratios = options.ratios;
  if (ratios && ratios.length > 0) {
    if (ratios.some((r) => !(r >= 0)))
      throw new DatasetError(`ratios must be non-negative numbers, got [${ratios.join(', ')}]`);
    const rsum = ratios.reduce((a, b) => a + b, 0);
    if (!(rsum > 0)) throw new DatasetError('ratios must not all be zero');
    const out: T[][] = [];
    let next = 0;
    for (const r of ratios) {
      const start = next;
      next = Math.min(start + Math.trunc((r / rsum) * n + 0.5), n);
      out.push(indices.slice(start, next).map((i) => data[i] as T));
    }
    return out;
  }
  const parts = options.numPartitions;
  if (!parts) throw new DatasetError('partitionDataset needs ratios or numPartitions');
  if (!Number.isInteger(parts) || parts < 1)
    throw new DatasetError(`numPartitions must be a positive integer, got ${parts}`);
  const even = options.evenDivisible ?? false;
  const dropLast = options.dropLast ?? false;
  if (!even && dropLast) throw new DatasetError('dropLast only works with evenDivisible: true (as in MONAI)');
  if (n < parts) throw new DatasetError(`there are not enough items (${n}) to make ${parts} partitions`);
  const numSamples = dropLast && n % parts !== 0 ? Math.ceil((n - parts) / parts) : Math.ceil(n / parts);
  const total = even ? numSamples * parts : n;
  if (!dropLast && total - n > 0) indices = indices.concat(indices.slice(0, total - n));
  else indices = indices.slice(0, total);
  return Array.from({ length: parts }, (_, p) => {
    const part: T[] = [];
    for (let k = p; k < total; k += parts) part.push(data[indices[k] as number] as T);
    return part;
  });
}
