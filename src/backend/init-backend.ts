import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, describeError } from '../errors.js';

/** A TensorFlow.js backend this library can choose: native TensorFlow (tfjs-node[-gpu]), wasm or cpu. */
export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu';

/** Name of the environment variable that forces a backend. */
export const BACKEND_ENV_VAR = 'CSC_MLOPS_BACKEND';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Preferred backend, used when `CSC_MLOPS_BACKEND` is not set. Unset: automatic order
   * (tfjs-node-gpu, tfjs-node, then wasm if `wasm: true`, then cpu).
   */
  backend?: BackendChoice | 'auto';
  /** Opt in to wasm in the automatic order (after tfjs-node, before cpu). Default false. */
  wasm?: boolean;
  /** Folder (or URL prefix) with the `.wasm` files, passed to tfjs's `setWasmPaths`. */
  wasmPaths?: string;
  /** Environment to read `CSC_MLOPS_BACKEND` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Module loader (default dynamic `import()`); tests inject one. */
  importModule?: (specifier: string) => Promise<unknown>;
  /** Print the one-line summary: `true` → `console.info`, or a function receiving it. Default false. */
  log?: boolean | ((line: string) => void);
}

/** What happened to one candidate backend. */
export interface BackendCandidate {
  backend: BackendChoice;
  /** npm package that provides it. */
  package: string;
  /** `chosen`; `not-installed` (optional package absent); `failed` (installed but did not start); `skipped` (not tried, see reason). */
  outcome: 'chosen' | 'not-installed' | 'failed' | 'skipped';
  /** Why, in words. */
  reason: string;
}

/** The result of {@link initBackend}: the backend in use and why the others were passed over. */
export interface BackendReport {
  /** Active tfjs backend name (`tf.getBackend()`): `'tensorflow'`, `'wasm'` or `'cpu'`. */
  backend: BackendChoice;
  /** Package that provided it. */
  package: string;
  /** How the choice was made: forced by the environment variable, by the `backend` option, or automatic. */
  mode: 'env' | 'option' | 'auto';
  /** Every candidate in the order considered. */
  candidates: BackendCandidate[];
  /** One line for logs, e.g. `tfjs backend: cpu (@tensorflow/tfjs-backend-cpu); passed over: ...`. */
  summary: string;
}

const NATIVE = [
  { pkg: '@tensorflow/tfjs-node-gpu', note: 'CUDA build of libtensorflow' },
  { pkg: '@tensorflow/tfjs-node', note: 'CPU build of libtensorflow' },
] as const;

const WASM_PKG = '@tensorflow/tfjs-backend-wasm';
const CPU_PKGS = ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs'] as const;

const WASM_CAVEAT =
  'opt-in only (wasm: true or CSC_MLOPS_BACKEND=wasm): it lacks training kernels such as Conv2DBackpropFilter ' +
  'and sums in float32 (totals stop growing at 2^24)';

/**
 * tfjs's cpu backend prints a five-line "install the node backend" banner on its first tensor in
 * Node, in every process and worker. The report says the same in one line (what was chosen, and
 * that tfjs-node was passed over and why), so the banner is turned off. It is a private flag of
 * the backend (`firstUse`): should tfjs rename it, the banner simply comes back.
 */
function quietCpuBanner(): void {
  const backend = tf.findBackend('cpu') as { firstUse?: unknown } | null;
  if (backend && typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

/**
 * Chooses and initialises the TensorFlow.js backend before any tensor is made: `@tensorflow/tfjs-node-gpu`,
 * then `@tensorflow/tfjs-node` (both optional: they download libtensorflow when installed), then `cpu`.
 * `wasm` (SIMD) is opt-in. `CSC_MLOPS_BACKEND=cpu|wasm|tensorflow` forces one (and fails loudly if it
 * cannot start). Returns a report saying what was chosen and why the others were passed over (its
 * `summary` replaces the banner tfjs's cpu backend would print).
 *
 * @example
 * const report = await initBackend({ log: true });
 * // tfjs backend: cpu (@tensorflow/tfjs-backend-cpu); passed over: tensorflow via @tensorflow/tfjs-node-gpu (not installed) ...
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const importModule = options.importModule ?? ((s: string) => import(s));
  const fromEnv = (env[BACKEND_ENV_VAR] ?? '').trim().toLowerCase();
  let mode: BackendReport['mode'] = 'auto';
  let forced: BackendChoice | undefined;
  if (fromEnv !== '' && fromEnv !== 'auto') {
    forced = parseChoice(fromEnv, `${BACKEND_ENV_VAR}=${env[BACKEND_ENV_VAR]}`);
    mode = 'env';
  } else if (options.backend !== undefined && options.backend !== 'auto') {
    forced = parseChoice(options.backend, `backend option '${String(options.backend)}'`);
    mode = 'option';
  }
  const forcedBy = mode === 'env' ? `${BACKEND_ENV_VAR}=${fromEnv}` : `the backend option`;
  const candidates: BackendCandidate[] = [];
  let chosen: BackendCandidate | undefined;

  const tryNative = async (): Promise<void> => {
    for (const { pkg, note } of NATIVE) {
      if (chosen) {
        candidates.push({
          backend: 'tensorflow',
          package: pkg,
          outcome: 'skipped',
          reason: `${chosen.package} was chosen first`,
        });
        continue;
      }
      const c = await attempt('tensorflow', pkg, importModule, note);
      candidates.push(c);
      if (c.outcome === 'chosen') chosen = c;
    }
  };
  const tryWasm = async (): Promise<void> => {
    if (chosen) {
      candidates.push({
        backend: 'wasm',
        package: WASM_PKG,
        outcome: 'skipped',
        reason: `${chosen.package} was chosen first`,
      });
      return;
    }
    const c = await attempt(
      'wasm',
      WASM_PKG,
      importModule,
      'WebAssembly (SIMD when available)',
      async (mod) => {
        const setWasmPaths = (mod as { setWasmPaths?: (p: string) => void }).setWasmPaths;
        if (options.wasmPaths !== undefined && setWasmPaths) setWasmPaths(options.wasmPaths);
      },
    );
    candidates.push(c);
    if (c.outcome === 'chosen') chosen = c;
  };
  const tryCpu = async (): Promise<void> => {
    if (chosen) {
      candidates.push({
        backend: 'cpu',
        package: CPU_PKGS[0],
        outcome: 'skipped',
        reason: `${chosen.package} was chosen first`,
      });
      return;
    }
    const reasons: string[] = [];
    for (const pkg of CPU_PKGS) {
      const c = await attempt('cpu', pkg, importModule, 'plain JavaScript kernels');
      if (c.outcome === 'chosen') {
        chosen = c;
        candidates.push(c);
        quietCpuBanner();
        return;
      }
      reasons.push(`${pkg}: ${c.reason}`);
    }
    candidates.push({
      backend: 'cpu',
      package: CPU_PKGS.join(' or '),
      outcome: 'failed',
      reason: reasons.join('; '),
    });
  };

  if (forced === undefined) {
    await tryNative();
    if (options.wasm) await tryWasm();
    else candidates.push({ backend: 'wasm', package: WASM_PKG, outcome: 'skipped', reason: WASM_CAVEAT });
    await tryCpu();
  } else if (forced === 'tensorflow') {
    await tryNative();
  } else if (forced === 'wasm') {
    await tryWasm();
  } else {
    await tryCpu();
  }

  if (!chosen) {
    const why = candidates.map((c) => `${c.package}: ${c.reason}`).join('; ');
    const fix =
      forced === 'tensorflow'
        ? 'install @tensorflow/tfjs-node (or -node-gpu) with network access, or unset the override'
        : forced === 'wasm'
          ? 'install @tensorflow/tfjs-backend-wasm, or unset the override'
          : 'install @tensorflow/tfjs (it brings the cpu backend)';
    throw new ConfigError(
      `no TensorFlow.js backend could be started${forced ? ` (${forced} forced by ${forcedBy})` : ''}: ${why}. To fix: ${fix}.`,
    );
  }
  const passed = candidates.filter((c) => c !== chosen);
  const summary =
    `tfjs backend: ${chosen.backend} (${chosen.package}${mode === 'auto' ? '' : `, forced by ${forcedBy}`})` +
    (passed.length
      ? `; passed over: ${passed.map((c) => `${c.backend} via ${c.package} (${c.outcome}: ${c.reason})`).join('; ')}`
      : '');
  const report: BackendReport = {
    backend: chosen.backend,
    package: chosen.package,
    mode,
    candidates,
    summary,
  };
  if (options.log === true) console.info(summary);
  else if (typeof options.log === 'function') options.log(summary);
  return report;
}

function parseChoice(value: string, what: string): BackendChoice {
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  if (value === 'node' || value === 'tfjs-node' || value === 'gpu') return 'tensorflow';
  throw new ConfigError(
    `${what} is not a backend: use cpu, wasm or tensorflow (or auto / unset for the automatic choice)`,
  );
}

function isNotInstalled(e: unknown, pkg: string): boolean {
  const code = (e as { code?: unknown })?.code;
  const msg = describeError(e);
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && msg.includes(pkg);
}

async function attempt(
  backend: BackendChoice,
  pkg: string,
  importModule: (s: string) => Promise<unknown>,
  note: string,
  configure?: (mod: unknown) => Promise<void>,
): Promise<BackendCandidate> {
  let mod: unknown;
  try {
    mod = await importModule(pkg);
  } catch (e) {
    if (isNotInstalled(e, pkg))
      return {
        backend,
        package: pkg,
        outcome: 'not-installed',
        reason:
          backend === 'tensorflow'
            ? `not installed (optional; ${note}, downloaded from storage.googleapis.com when the package is installed)`
            : 'not installed',
      };
    return {
      backend,
      package: pkg,
      outcome: 'failed',
      reason: `import failed: ${firstLine(describeError(e))}`,
    };
  }
  try {
    if (configure) await configure(mod);
    if (tf.findBackendFactory(backend) === null && tf.findBackend(backend) === null)
      return {
        backend,
        package: pkg,
        outcome: 'failed',
        reason: `imported, but it registered no '${backend}' backend (two copies of @tensorflow/tfjs-core?)`,
      };
    const ok = await tf.setBackend(backend);
    if (!ok)
      return {
        backend,
        package: pkg,
        outcome: 'failed',
        reason: `setBackend('${backend}') failed (see the tfjs warning above)`,
      };
    await tf.ready();
  } catch (e) {
    return {
      backend,
      package: pkg,
      outcome: 'failed',
      reason: `initialisation failed: ${firstLine(describeError(e))}`,
    };
  }
  return { backend, package: pkg, outcome: 'chosen', reason: note };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
