#!/usr/bin/env node
/**
 * The `csc-mlops` command: `info`, `show`, `data`, `xnat ls`, `xnat-stand-in`, `tracking`. The main job of the
 * README (`npm start`) is examples/main-job.ts.
 */
import { runDicomwebCli } from '../dicomweb/cli.js';
import { runTrackingCli } from '../tracking/cli.js';
import { runXnatCli } from '../xnat/cli.js';
import { runDataCli } from './data/data-cli.js';
import { runInfo } from './info.js';
import { runShow } from './show.js';

const USAGE = `usage: csc-mlops <command> [options]

commands:
  info FILE|FOLDER...                      load images (NIfTI, DICOM, .npy) and print their geometry
  show FILE|DIR|--xnat P/S/E/SCAN [...]    write a PNG montage of slices, optionally with a label overlay
  data init|view [...]                     project files (the seed's datatoolkit) and an image inventory
  xnat ls [project [subject [experiment]]] list an XNAT archive (XNAT_HOST/XNAT_USER/XNAT_PASS or ~/.netrc)
  xnat-stand-in --root DIR [--port N]      serve a folder tree PROJECT/SUBJECT/EXPERIMENT/SCAN as a local XNAT
  dicomweb ls [patient [study]] | pull      list or download from a DICOMweb server (PACS, Orthanc; DICOMWEB_URL)
  tracking run|info|runs|plot ...          MLflow: run a config.cfg entry point, show the experiment, list runs, plot metrics
  help                                     this text
`;

/** Runs the CLI with `argv` (without `node` and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'info':
      return runInfo(rest);
    case 'show':
      return runShow(rest);
    case 'data':
      return runDataCli(rest);
    case 'xnat':
    case 'xnat-stand-in':
      return runXnatCli(argv);
    case 'dicomweb':
      return runDicomwebCli(rest);
    case 'tracking':
      return runTrackingCli(rest);
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
