/**
 * Long fuzz campaign over the image readers (DICOM files and series, NIfTI, .npy, XNAT scan zips):
 * mutations of the bundled test files plus the fixed hostile list, each read in a child process
 * within a time and memory bound. Prints a table; every input that was neither an image nor one of
 * our typed errors (untyped error, hang, memory bomb, crash) is saved with a README to repro.
 *
 * Run: `npx tsx benchmarks/fuzz-campaign.ts --minutes 10 --seed 1 [--timeout-ms 10000]
 *       [--rss-limit-mb 1500] [--repro fuzz-repro] [--quiet]`
 */
import { parseArgs } from 'node:util';
import { runFuzzCampaign } from '../test/support/fuzz/campaign.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    count: { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
    'rss-limit-mb': { type: 'string', default: '1500' },
    repro: { type: 'string', default: 'fuzz-repro' },
    quiet: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const t0 = Date.now();
let lastPrint = t0;
let n = 0;
const s = await runFuzzCampaign({
  seed,
  minutes: Number(values.minutes),
  ...(values.count === undefined ? {} : { count: Number(values.count) }),
  timeoutMs: Number(values['timeout-ms']),
  rssLimitMb: Number(values['rss-limit-mb']),
  reproDir: values.repro,
  onResult: (r) => {
    n++;
    if (r.outcome !== 'image' && r.outcome !== 'typed')
      console.log(`#${r.index} ${r.outcome}: ${r.description} => ${r.detail?.slice(0, 300) ?? ''}`);
    if (!values.quiet && Date.now() - lastPrint > 15_000) {
      lastPrint = Date.now();
      console.log(`... ${n} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  },
});
const secs = (Date.now() - t0) / 1000;
const rows: [string, string][] = [
  ['seed', String(seed)],
  ['wall time (s)', secs.toFixed(1)],
  ['inputs', String(s.inputs)],
  ['images', String(s.images)],
  ['typed errors', String(s.typed)],
  ['untyped errors', String(s.untyped)],
  ['hangs', String(s.hangs)],
  ['memory bombs', String(s.memory)],
  ['crashes', String(s.crashes)],
  ['slowest input (ms)', s.slowestMs.toFixed(0)],
  ['repro folder', s.failures.length > 0 ? values.repro : '(nothing to save)'],
];
console.log('\n| measure | value |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
process.exitCode = s.failures.length > 0 ? 1 : 0;
