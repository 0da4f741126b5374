/**
 * The Mersenne Twister MT19937 bit generator, with numpy's legacy seeding (`init_genrand`) and
 * numpy's 53-bit double construction. Pure typed-array JavaScript: runs in Node and in browsers.
 */

/** Number of 32-bit words in the MT19937 state. */
export const MT_STATE_LENGTH = 624;

const N = MT_STATE_LENGTH;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** MT19937's tempering of one state word (a signed 32-bit result; `>>> 0` makes it unsigned). */
function temper(y: number): number {
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  return y ^ (y >>> 18);
}

/**
 * MT19937 state and raw outputs. `key` is the 624-word state and `pos` the index of the next word
 * to temper (624 = regenerate first), exactly as numpy's `RandomState.get_state()` reports them.
 */
export class MT19937 {
  /** The 624-word state vector. */
  readonly key = new Uint32Array(N);
  /** Index of the next state word to use; 624 means the state is regenerated on the next draw. */
  pos = N;

  /** Seeds with a 32-bit integer as numpy's `RandomState(seed)` does (Matsumoto–Nishimura `init_genrand`). */
  seed(seed: number): void {
    const key = this.key;
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      key[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  /** Regenerates the 624 state words (the "twist"). */
  private twist(): void {
    const mt = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (mt[i]! & UPPER_MASK) | (mt[i + 1]! & LOWER_MASK);
      mt[i] = mt[i + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      y = (mt[i]! & UPPER_MASK) | (mt[i + 1]! & LOWER_MASK);
      mt[i] = mt[i + M - N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** Next tempered 32-bit output, as an unsigned integer in [0, 2^32). */
  next32(): number {
    if (this.pos >= N) this.twist();
    return temper(this.key[this.pos++]!) >>> 0;
  }

  /** Next double in [0, 1) with 53 random bits: `((a >> 5) * 2^26 + (b >> 6)) / 2^53`, as numpy. */
  nextDouble(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Fills `out` with consecutive {@link nextDouble} values (the fast path behind `random_sample(size)`). */
  fillDoubles(out: Float64Array): void {
    const mt = this.key;
    const n = out.length;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      if (pos >= N) {
        this.twist();
        pos = 0;
      }
      const a = temper(mt[pos++]!);
      if (pos >= N) {
        this.twist();
        pos = 0;
      }
      const b = temper(mt[pos++]!);
      out[i] = ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
    }
    this.pos = pos;
  }
}
