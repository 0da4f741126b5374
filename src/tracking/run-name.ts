import { randomInt } from 'node:crypto';

const PREDICATES = ['able', 'bold', 'brave', 'bright', 'calm', 'clean', 'clever', 'crisp', 'eager', 'fair', 'gentle', 'glad', 'honest', 'jolly', 'keen', 'kind', 'lucky', 'merry', 'nimble', 'quick', 'rare', 'silent', 'smart', 'swift', 'unique', 'upbeat', 'vivid', 'wise'];
const NOUNS = ['ant', 'bat', 'bee', 'carp', 'crab', 'crane', 'deer', 'dove', 'eel', 'finch', 'fox', 'gnat', 'hare', 'hawk', 'ibis', 'lark', 'lynx', 'mole', 'moth', 'newt', 'owl', 'panda', 'seal', 'shrew', 'slug', 'snail', 'toad', 'whale', 'wolf', 'wren'];

/** A random run name in MLflow's style (`unique-crab-137`), used when a run is created without one. */
export function generateRunName(): string {
  return `${PREDICATES[randomInt(PREDICATES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
