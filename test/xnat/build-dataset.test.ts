import { identifierHash } from '../../src/patient-identifiers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, XnatNotFoundError } from '../../src/errors.js';
import {
  type DroppedSubject,
  type SubjectData,
  XnatActionError,
  XnatSession,
  xnatBuildDataset,
  xnatBuildDatasetWithReport,
} from '../../src/xnat/index.js';
import type { XnatStandIn } from '../../src/xnat/testing/index.js';
import { startStandIn } from './helpers.js';

let xnat: XnatStandIn | undefined;
afterEach(async () => {
  await xnat?.close();
  xnat = undefined;
});

function fetchSagT2Tse(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.label.includes('MR_2'))
      for (const scan of exp.scans.values())
        if (scan.series_description.includes('sag_t2_tse')) return [scan, 'sag_t2_tse'] as const;
  return null;
}

async function localizers(subject: SubjectData) {
  await new Promise((r) => setTimeout(r, 1));
  return [...subject.experiments.values()].map((e, i) => [e.scans.get('1')!, `localizer_${i + 1}`] as const);
}

describe('xnatBuildDataset', () => {
  it('lists subjects: subject_id is the label, the accession ID is kept', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    const data = await xnatBuildDataset(s.config);
    expect(data).toEqual([
      {
        subject_id: 'S01',
        subject_uri: '/data/projects/P1/subjects/XNAT_S00001',
        subject_xnat_id: 'XNAT_S00001',
        project: 'P1',
      },
      {
        subject_id: 'S02',
        subject_uri: '/data/projects/P1/subjects/XNAT_S00002',
        subject_xnat_id: 'XNAT_S00002',
        project: 'P1',
      },
      {
        subject_id: 'S03',
        subject_uri: '/data/projects/P1/subjects/XNAT_S00003',
        subject_xnat_id: 'XNAT_S00003',
        project: 'P1',
      },
    ]);
    expect(xnat.activeSessions).toBe(0); // logged out
    expect(await xnatBuildDataset({ ...s.config, project: 'P2' })).toEqual([]);
  });

  it('runs actions per subject (sync, async, several results) and stores scan URIs, in server order', async () => {
    const s = await startStandIn({ latencyMs: 5 });
    xnat = s.xnat;
    const data = await xnatBuildDataset(s.config, { actions: [fetchSagT2Tse, localizers], concurrency: 3 });
    expect(data).toHaveLength(3);
    expect(data.map((d) => d.subject_id)).toEqual(['S01', 'S02', 'S03']);
    expect(data[0]).toEqual({
      subject_id: 'S01',
      subject_uri: '/data/projects/P1/subjects/XNAT_S00001',
      subject_xnat_id: 'XNAT_S00001',
      project: 'P1',
      sag_t2_tse: '/data/experiments/XNAT_E00002/scans/3',
      localizer_1: '/data/experiments/XNAT_E00001/scans/1',
      localizer_2: '/data/experiments/XNAT_E00002/scans/1',
    });
    expect(data[2]!.sag_t2_tse).toBeUndefined(); // S03 has no sag_t2_tse in MR_2 (kept without validate)
    expect(xnat.stats.sessionsCreated).toBe(1);
    // plain data: survives JSON
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('validate drops and reports subjects where an action finds nothing; testBatch limits subjects', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    const dropped: DroppedSubject[] = [];
    const r = await xnatBuildDatasetWithReport(s.config, {
      actions: fetchSagT2Tse,
      validate: true,
      onDropped: (d) => dropped.push(d),
    });
    expect(r.data.map((d) => d.subject_id)).toEqual(['S01', 'S02']);
    expect(r.dropped).toEqual([
      {
        subject_id: 'S03',
        subject_uri: '/data/projects/P1/subjects/XNAT_S00003',
        actions: ['fetchSagT2Tse'],
      },
    ]);
    expect(dropped).toEqual(r.dropped);
    const batch = await xnatBuildDataset(s.config, { actions: fetchSagT2Tse, testBatch: 2 });
    expect(batch.map((d) => d.subject_id)).toEqual(['S01', 'S02']);
  });

  it('an action that throws: XnatActionError naming the subject and the action', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    function pickT1(subject: SubjectData) {
      if (subject.label === 'S02')
        throw new TypeError("Cannot read properties of undefined (reading 'scans')");
      return null;
    }
    const err = (await xnatBuildDataset(s.config, { actions: [pickT1], concurrency: 1 }).catch(
      (e: unknown) => e,
    )) as XnatActionError;
    expect(err).toBeInstanceOf(XnatActionError);
    expect(err.subject).toBe('S02');
    expect(err.action).toBe('pickT1');
    // the subject label is a patient identifier: hashed unless identifiers are shown
    expect(err.message).toContain(
      `action 'pickT1' failed on subject '${identifierHash('S02')}' (XNAT_S00002) of project 'P1'`,
    );
    expect(err.message).not.toContain("'S02'");
    expect(err.message).toContain('reading');
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(xnat.activeSessions).toBe(0); // session closed even on error
  });

  it('an action returning the wrong shape, an experiment, or a duplicate key: XnatActionError', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    const bad = [
      [() => 'scan-3', /returned string "scan-3".*must return \[scan, key\]/],
      [
        (sub: SubjectData) => [sub.experiments.toArray()[0]!, 'exp'] as const,
        /return a scan .* not an experiment/,
      ],
      [(sub: SubjectData) => [sub.experiments.toArray()[0]!.scans.get('1')!, ''] as const, /empty key/],
      [
        (sub: SubjectData) =>
          [
            [sub.experiments.toArray()[0]!.scans.get('1')!, 'x'],
            [sub.experiments.toArray()[1]!.scans.get('1')!, 'x'],
          ] as const,
        /both chose key 'x'/,
      ],
    ] as const;
    for (const [action, msg] of bad) {
      const err = await xnatBuildDataset(s.config, { actions: action as never, testBatch: 1 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(XnatActionError);
      expect((err as Error).message).toMatch(msg);
    }
    await expect(xnatBuildDataset(s.config, { actions: ['nope' as never] })).rejects.toThrow(
      /actions\[0\] is string/,
    );
  });

  it('bad configuration and unknown project', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    await expect(xnatBuildDataset({ ...s.config, project: undefined })).rejects.toThrow(ConfigError);
    await expect(xnatBuildDataset(s.config, { testBatch: 0 })).rejects.toThrow(/testBatch/);
    const err = (await xnatBuildDataset({ ...s.config, project: 'MISSING' }).catch(
      (e: unknown) => e,
    )) as XnatNotFoundError;
    expect(err).toBeInstanceOf(XnatNotFoundError);
    expect(err.message).toContain("project 'MISSING' not found");
  });

  it('survives a session expiring in the middle of a build (one re-login) and 500s along the way', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    xnat.addFault({ match: '/scans?', skip: 2, times: 1, expireSession: true });
    xnat.addFault({ match: '/experiments?', skip: 1, times: 2, status: 502 });
    const session = await XnatSession.connect(s.config);
    try {
      const data = await xnatBuildDataset(s.config, { actions: fetchSagT2Tse, session, concurrency: 1 });
      expect(data.filter((d) => d.sag_t2_tse).length).toBe(2);
      expect(session.stats.logins).toBe(2);
      expect(session.stats.retries).toBe(2);
      expect(session.closed).toBe(false); // a passed-in session is not closed
    } finally {
      await session.close();
    }
  });
});
