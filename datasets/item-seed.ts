/**
 * Per-item seeds for the DataLoader. An item's random transforms are seeded from (seed, epoch,
 * index) only — never from which worker ran it or in what order — so a loader gives identical
 * batches for any `numWorkers`, and every epoch draws new augmentations.
 */
import { normaliseSeed } from '../transforms/randomizable.js';

/** MurmurHash3's 32-bit finaliser: a bijective avalanche mix of a uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The seed (a uint32, as `RandomState` takes) of dataset item `index` in `epoch` for a loader seeded
 * with `seed`: `fmix32(fmix32(fmix32(seed) ^ fmix32(epoch + φ)) ^ fmix32(index + c))` where φ and c
 * are fixed odd constants. Stable across versions: changing it would change everyone's augmentations.
 *
 * @example
 * compose.setRandomState(itemSeed(0, epoch, i)); // what the DataLoader does before an item's random part
 */
export function itemSeed(seed: number, epoch: number, index: number): number {
  const s = normaliseSeed(seed);
  let h = fmix32(s);
  h = fmix32((h ^ fmix32(((epoch >>> 0) + 0x9e3779b9) >>> 0)) >>> 0);
  h = fmix32((h ^ fmix32(((index >>> 0) + 0x7f4a7c15) >>> 0)) >>> 0);
  return h;
}

/** The seed of the shuffle of `epoch`: `RandomState(seed + epoch)` (mod 2^32), as the design says. */
export function epochShuffleSeed(seed: number, epoch: number): number {
  return normaliseSeed(normaliseSeed(seed) + epoch);
}
