/**
 * Global determinism switch, as MONAI's `monai.utils.set_determinism`: stores a global seed that every
 * {@link Compose} (and OneOf / RandomOrder / SomeOf) built afterwards uses to seed itself and its
 * random children, exactly as MONAI's `Compose.__init__` calls `set_random_state(seed=get_seed())`.
 * Transforms created outside a Compose are not re-seeded (as in MONAI).
 */

/** MONAI's default seed for `set_determinism()`: `np.iinfo(np.uint32).max`. */
export const DEFAULT_DETERMINISM_SEED = 2 ** 32 - 1;

/** Options of {@link setDeterminism}. */
export interface SetDeterminismOptions {
  /**
   * Called with the (reduced) seed after it is stored, MONAI's `additional_settings` (e.g. to seed
   * another library). A function or a list of functions.
   */
  additionalSettings?: ((seed: number) => void) | readonly ((seed: number) => void)[] | null;
}

let globalSeed: number | undefined;

/**
 * Sets (or, with `null`, clears) the global seed, MONAI's `set_determinism(seed)`. The seed is reduced
 * modulo 2**32 as MONAI does. Composes created afterwards are seeded with it, so two runs of the same
 * script make the same random draws.
 *
 * @example
 * setDeterminism(0);
 * const train = new Compose([...]); // seeded with 0: same augmentations on every run
 * setDeterminism(null);             // back to entropy-seeded composes
 */
export function setDeterminism(
  seed: number | null = DEFAULT_DETERMINISM_SEED,
  options: SetDeterminismOptions = {},
): void {
  if (seed === null || seed === undefined) {
    globalSeed = undefined;
    return;
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed) || !Number.isInteger(seed))
    throw new RangeError(`setDeterminism: seed must be an integer or null, got ${String(seed)}`);
  const s = seed % 2 ** 32;
  globalSeed = s < 0 ? s + 2 ** 32 : s;
  const extra = options.additionalSettings;
  if (extra) for (const fn of typeof extra === 'function' ? [extra] : extra) fn(globalSeed);
}

/** The seed set by {@link setDeterminism}, or undefined (MONAI `get_seed()`). */
export function getSeed(): number | undefined {
  return globalSeed;
}
