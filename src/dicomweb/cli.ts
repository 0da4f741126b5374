import { parseArgs } from 'node:util';
import { CscMlopsError, describeError } from '../errors.js';
import type { FetchLike } from '../http/tls-fetch.js';
import { formatTable } from '../xnat/cli.js';
import { DicomwebClient } from './client.js';
import type { DicomwebConfig } from './config.js';
import { DicomwebDownloadCache } from './download.js';
import { type DicomwebSeries, loadPatients } from './model.js';

/** Where the DICOMweb commands write, and what they read (tests inject these). */
export interface DicomwebCliIo {
  /** Where command output goes (default process.stdout). */
  stdout?: (text: string) => void;
  /** Where errors and usage go (default process.stderr). */
  stderr?: (text: string) => void;
  /** Environment for `DICOMWEB_URL`, `DICOMWEB_USER` / `DICOMWEB_PASS`, `DICOMWEB_TOKEN` (default `process.env`). */
  env?: Record<string, string | undefined>;
  fetch?: FetchLike;
}

const USAGE = `Usage:
  csc-mlops dicomweb ls [PATIENT_ID [STUDY_UID]] [--url URL] [--user NAME --password PASS | --token T] [--json] [--reveal]
      Lists patients (grouped from QIDO-RS studies), a patient's studies, or a study's series.
      Patient names are shown only with --reveal.
  csc-mlops dicomweb pull [PATIENT_ID [STUDY_UID [SERIES_UID]]] [--cache-dir DIR] [--transfer-syntax UID] [--quiet]
      Downloads the chosen series (all by default) into the download cache (WADO-RS), printing each cache folder.
  Server and credentials: --url or DICOMWEB_URL; --user/--password or DICOMWEB_USER/DICOMWEB_PASS; --token or DICOMWEB_TOKEN.
`;

/** Runs `csc-mlops dicomweb ...` with `argv` (after `dicomweb`); returns the exit code. */
export async function runDicomwebCli(argv: string[], io: DicomwebCliIo = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const [cmd, ...args] = argv;
  if (cmd !== 'ls' && cmd !== 'pull') {
    (cmd === undefined || cmd === 'help' || cmd === '--help' ? out : err)(USAGE);
    return cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean' },
        reveal: { type: 'boolean' },
        'cache-dir': { type: 'string' },
        'transfer-syntax': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
  } catch (e) {
    err(`${describeError(e)}\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [patientId, studyUid, seriesUid] = positionals;
  const cfg: DicomwebConfig = { revealIdentifiers: v.reveal === true };
  if (v.url !== undefined) cfg.url = v.url;
  if (v.user !== undefined) cfg.user = v.user;
  if (v.password !== undefined) cfg.password = v.password;
  if (v.token !== undefined) cfg.token = v.token;
  if (io.env) cfg.env = io.env;
  if (io.fetch) cfg.fetch = io.fetch;
  try {
    const client = new DicomwebClient(cfg);
    const query = patientId === undefined ? {} : { PatientID: patientId };
    const patients = await loadPatients(client, {
      query: studyUid === undefined ? query : { ...query, StudyInstanceUID: studyUid },
      series: cmd === 'pull' || studyUid !== undefined,
    });
    if (cmd === 'ls') {
      let header: string[];
      let rows: string[][];
      if (patientId === undefined) {
        header = v.reveal ? ['PatientID', 'PatientName', 'studies'] : ['PatientID', 'studies'];
        rows = patients.map((p) =>
          v.reveal ? [p.id, p.name, String(p.studies.size)] : [p.id, String(p.studies.size)],
        );
      } else if (studyUid === undefined) {
        header = ['StudyInstanceUID', 'StudyDate', 'modalities', 'StudyDescription'];
        rows = patients.flatMap((p) =>
          [...p.studies.values()].map((s) => [s.uid, s.date, s.modalities.join('\\'), s.description]),
        );
      } else {
        header = ['SeriesInstanceUID', 'Modality', 'number', 'instances', 'SeriesDescription'];
        rows = patients.flatMap((p) =>
          [...p.allSeries()].map((s) => [
            s.uid,
            s.modality,
            String(s.number ?? ''),
            String(s.instanceCount ?? ''),
            s.description,
          ]),
        );
      }
      if (patientId !== undefined && rows.length === 0) {
        err(`no ${studyUid === undefined ? 'studies' : 'series'} found on ${client.url}\n`);
        return 1;
      }
      out(
        v.json
          ? `${JSON.stringify(
              rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))),
              null,
              1,
            )}\n`
          : formatTable(header, rows),
      );
      return 0;
    }
    const series: DicomwebSeries[] = patients
      .flatMap((p) => [...p.allSeries()])
      .filter((s) => seriesUid === undefined || s.uid === seriesUid);
    if (series.length === 0) {
      err(`no series to pull on ${client.url}\n`);
      return 1;
    }
    const cache = new DicomwebDownloadCache({
      ...(v['cache-dir'] !== undefined && { dir: v['cache-dir'] }),
      ...(v['transfer-syntax'] !== undefined && { transferSyntax: v['transfer-syntax'] }),
    });
    let done = 0;
    await Promise.all(
      series.map(async (s) => {
        const got = await cache.fetch(client, s.uri);
        done++;
        if (!v.quiet)
          out(
            `[${done}/${series.length}] ${s.uid} ${got.fromCache ? 'cached' : 'downloaded'}: ${got.files.length} instances in ${got.dir}\n`,
          );
      }),
    );
    if (!v.quiet)
      out(`${cache.stats.downloads} downloaded, ${cache.stats.hits} from the cache (${cache.dir})\n`);
    return 0;
  } catch (e) {
    if (e instanceof CscMlopsError) {
      err(`csc-mlops dicomweb: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
