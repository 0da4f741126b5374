import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { XnatError, XnatNotFoundError } from '../../src/errors.js';
import {
  ExperimentData,
  ImageScanData,
  ProjectData,
  type SubjectData,
  XnatCollection,
  XnatSession,
} from '../../src/xnat/index.js';
import { modalityFromXsiType } from '../../src/xnat/experiment-data.js';
import { parseXnatUri } from '../../src/xnat/uri.js';
import type { XnatStandIn } from '../../src/xnat/testing/index.js';
import { startStandIn, tempDir } from './helpers.js';

let xnat: XnatStandIn | undefined;
let session: XnatSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
  await xnat?.close();
  xnat = undefined;
});

async function open() {
  const started = await startStandIn();
  xnat = started.xnat;
  session = await XnatSession.connect(started.config);
  return { xnat, session };
}

function fetchSagT2Tse(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.label.includes('MR_2'))
      for (const scan of exp.scans.values())
        if (scan.series_description.includes('sag_t2_tse')) return [scan, 'sag_t2_tse'] as const;
  return null;
}

describe('object model', () => {
  it('loads a subject with experiments and scans: one listing per level, cached per session', async () => {
    const { xnat, session } = await open();
    const project = await ProjectData.load(session, 'P1');
    expect(project.name).toBe('Project one');
    expect([...project.subjects.values()].map((s) => s.label)).toEqual(['S01', 'S02', 'S03']);
    const before = xnat.stats.requests;
    const s = await project.subject('S02');
    // experiments listing + one scan listing per experiment (2), nothing per scan
    expect(xnat.stats.requests - before).toBe(3);
    expect(s.id).toBe('XNAT_S00002');
    expect(s.uri).toBe('/data/projects/P1/subjects/XNAT_S00002');
    const exp = s.experiments.get('S02_MR_1')!;
    expect(exp).toBeInstanceOf(ExperimentData);
    expect(exp.modality).toBe('MR');
    expect(exp.date).toBe('2020-01-02');
    const scan = exp.scans.get('2')!;
    expect(scan).toBeInstanceOf(ImageScanData);
    expect(scan.series_description).toBe('sag_t2_tse');
    expect(scan.quality).toBe('usable');
    expect(scan.uri).toBe(`/data/experiments/${exp.id}/scans/2`);
    // the seed's action is plain synchronous code
    const r = fetchSagT2Tse(s);
    expect(r?.[1]).toBe('sag_t2_tse');
    expect(r?.[0].experiment.label).toBe('S02_MR_2');
    // cached: a second load costs nothing
    const mid = xnat.stats.requests;
    await project.subject('XNAT_S00002');
    expect(xnat.stats.requests).toBe(mid);
    // per-item fields load lazily, once
    const detailsBefore = xnat.stats.requests;
    expect(await scan.frames).toBe(3); // the stand-in counts the DICOM files
    await scan.details();
    expect(xnat.stats.requests - detailsBefore).toBe(1);
    const res = await scan.resources;
    expect([...res.values()].map((x) => [x.label, x.file_count])).toEqual([['DICOM', 3]]);
    expect((await exp.details()).modality).toBeUndefined();
    expect((await exp.details()).label).toBe('S02_MR_1');
  });

  it('downloads a scan into a folder in XNAT layout', async () => {
    const { session } = await open();
    const s = await (await ProjectData.load(session, 'P1')).subject('S01');
    const { dir, cleanup } = await tempDir();
    try {
      const files = await s.experiments.get('S01_MR_1')!.scans.get('2')!.download(dir);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
        'S01_MR_1/scans/2-sag_t2_tse/resources/DICOM/files/2_1.dcm',
        'S01_MR_1/scans/2-sag_t2_tse/resources/DICOM/files/2_2.dcm',
        'S01_MR_1/scans/2-sag_t2_tse/resources/DICOM/files/2_3.dcm',
      ]);
      expect(await readFile(files[0]!, 'utf8')).toContain('scan 2 file 1');
    } finally {
      await cleanup();
    }
  });

  it('unknown project / subject: not-found errors naming them', async () => {
    const { session } = await open();
    const e1 = (await ProjectData.load(session, 'NOPE').catch((e: unknown) => e)) as XnatNotFoundError;
    expect(e1).toBeInstanceOf(XnatNotFoundError);
    expect(e1.message).toContain("project 'NOPE' not found");
    expect(e1.message).toContain('P1, P2');
    const p = await ProjectData.load(session, 'Project one'); // by name
    expect(p.id).toBe('P1');
    const e2 = (await p.subject('S99').catch((e: unknown) => e)) as XnatNotFoundError;
    expect(e2).toBeInstanceOf(XnatNotFoundError);
    expect(e2.message).toContain("subject 'S99' not found in project 'P1'");
    expect(e2.message).toContain('S01, S02, S03');
  });
});

describe('XnatCollection', () => {
  const items = [
    { id: 'E1', label: 'MR_1' },
    { id: 'E2', label: 'MR_2' },
    { id: 'E3', label: 'MR_2' },
  ];
  const c = new XnatCollection(items, (x) => x.label, 'experiments of subject S');

  it('is a ReadonlyMap keyed by accession ID', () => {
    expect(c.size).toBe(3);
    expect([...c.keys()]).toEqual(['E1', 'E2', 'E3']);
    expect([...c].map(([k]) => k)).toEqual(['E1', 'E2', 'E3']);
    const seen: string[] = [];
    c.forEach((v, k) => seen.push(`${k}=${v.label}`));
    expect(seen).toEqual(['E1=MR_1', 'E2=MR_2', 'E3=MR_2']);
    const m: ReadonlyMap<string, { id: string }> = c;
    expect(m.get('E2')?.id).toBe('E2');
  });

  it('get/has accept a label; a duplicate label is an error asking for the ID', () => {
    expect(c.get('MR_1')?.id).toBe('E1');
    expect(c.has('MR_1')).toBe(true);
    expect(c.get('nothing')).toBeUndefined();
    expect(() => c.get('MR_2')).toThrow(XnatError);
    expect(() => c.get('MR_2')).toThrow(
      /names 2 experiments of subject S \(IDs E2, E3\); use the accession ID/,
    );
    expect(() => c.require('MR_9')).toThrow(/no experiments of subject S with ID or name 'MR_9'/);
  });
});

describe('helpers', () => {
  it('modality from xsiType', () => {
    expect(modalityFromXsiType('xnat:mrSessionData')).toBe('MR');
    expect(modalityFromXsiType('xnat:petSessionData')).toBe('PT');
    expect(modalityFromXsiType('xnat:ctSessionData')).toBe('CT');
    expect(modalityFromXsiType('something')).toBe('');
  });

  it('parses XNAT URIs', () => {
    expect(parseXnatUri('/data/projects/P/subjects/XNAT_S1')).toMatchObject({
      kind: 'subject',
      project: 'P',
      subject: 'XNAT_S1',
    });
    expect(parseXnatUri('/data/archive/projects/P/subjects/S/experiments/E/scans/3')).toMatchObject({
      kind: 'scan',
      scan: '3',
      experimentPath: '/data/projects/P/subjects/S/experiments/E',
    });
    expect(parseXnatUri('https://x.org/xnat/REST/experiments/E/scans/3/resources/NIFTI')).toMatchObject({
      kind: 'resource',
      scanPath: '/data/experiments/E/scans/3',
      resource: 'NIFTI',
    });
    expect(parseXnatUri('/data/subjects/S')).toMatchObject({ kind: 'subject', project: undefined });
    expect(parseXnatUri('/data/experiments/E')).toMatchObject({ kind: 'experiment', experiment: 'E' });
    expect(parseXnatUri('S01')).toBeUndefined();
  });
});
