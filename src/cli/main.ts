#!/usr/bin/env node
/**
 * The `csc-mlops` command.
 *
 *   csc-mlops demo [--quiet]                     the main job on the embedded default data
 *   csc-mlops info FILE...                       load images and print shape, dtype, spacing, orientation
 */
import { runDemo } from './demo.js';
import { runInfo } from './info.js';

const USAGE = `usage: csc-mlops <command> [options]

commands:
  demo [--quiet]            run the main job on the bundled real images (no server needed)
  info FILE|FOLDER...       load images (NIfTI, DICOM, .npy) and print their geometry
  help                      this text
`;

/** Runs the CLI with `argv` (without `node` and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'demo':
      return runDemo(rest);
    case 'info':
      return runInfo(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command '${cmd}'\n${USAGE}`);
      return 2;
  }
}

const isEntry = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`csc-mlops: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
