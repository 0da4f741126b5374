/**
 * RandomState throughput: `npx tsx benchmarks/random.ts`. Prints the median of 7 runs per operation.
 */
import { RandomState } from '../src/random/index.js';

const N = 1_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bench(name: string, f: (r: RandomState) => unknown): { op: string; 'ms / 1e6 values': string } {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = new RandomState(i);
    const t = performance.now();
    f(r);
    times.push(performance.now() - t);
  }
  return { op: name, 'ms / 1e6 values': median(times).toFixed(1) };
}

const rows = [
  bench('randArray(1e6)', (r) => r.randArray(N)),
  bench('rand() x 1e6', (r) => {
    let s = 0;
    for (let i = 0; i < N; i++) s += r.rand();
    return s;
  }),
  bench('uniformArray(-1, 1, 1e6)', (r) => r.uniformArray(-1, 1, N)),
  bench('normalArray(1e6)', (r) => r.normalArray(N)),
  bench('randintArray(0, 10, 1e6)', (r) => r.randintArray(0, 10, N)),
  bench('randintArray(0, 256, 1e6, uint8)', (r) => r.randintArray(0, 256, N, { dtype: 'uint8' })),
  bench('permutation(1e6)', (r) => r.permutation(N)),
];
console.table(rows);
