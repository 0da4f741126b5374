import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XnatConfig } from '../../src/xnat/index.js';
import {
  type StandInDescription,
  XnatStandIn,
  type XnatStandInOptions,
} from '../../src/xnat/testing/index.js';

/** A small archive: 3 subjects, text "DICOM" files (enough for listings and downloads). */
export function smallArchive(): StandInDescription {
  const scan = (id: string, type: string, n: number) => ({
    id,
    type,
    series_description: type,
    quality: 'usable',
    xsiType: 'xnat:mrScanData',
    resources: [
      {
        label: 'DICOM',
        format: 'DICOM',
        content: 'RAW',
        files: Array.from({ length: n }, (_, i) => ({
          name: `${id}_${i + 1}.dcm`,
          text: `scan ${id} file ${i + 1} `.repeat(50),
        })),
      },
    ],
  });
  return {
    projects: [
      {
        id: 'P1',
        name: 'Project one',
        subjects: ['S01', 'S02', 'S03'].map((s, k) => ({
          label: s,
          experiments: [
            {
              label: `${s}_MR_1`,
              xsiType: 'xnat:mrSessionData',
              date: '2020-01-0' + (k + 1),
              scans: [scan('1', 'localizer', 2), scan('2', 'sag_t2_tse', 3)],
            },
            {
              label: `${s}_MR_2`,
              xsiType: 'xnat:mrSessionData',
              scans: [scan('1', 'localizer', 1), scan('3', k === 2 ? 'ax_t1' : 'sag_t2_tse', 4)],
            },
          ],
        })),
      },
      { id: 'P2', subjects: [] },
    ],
  };
}

/** Starts a stand-in and returns it with a matching configuration (fast retries for tests). */
export async function startStandIn(
  opts: XnatStandInOptions = {},
  cfg: Partial<XnatConfig> = {},
): Promise<{ xnat: XnatStandIn; config: XnatConfig }> {
  const xnat = await XnatStandIn.start({ description: smallArchive(), ...opts });
  const config: XnatConfig = {
    server: xnat.url,
    user: 'admin',
    password: 'admin',
    project: 'P1',
    retryDelayMs: 5,
    netrc: false,
    env: {},
    ...cfg,
  };
  return { xnat, config };
}

/** A fresh temporary folder, and its cleanup. */
export async function tempDir(prefix = 'xnat-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
