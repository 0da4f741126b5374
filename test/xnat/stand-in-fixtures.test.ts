import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type StandInDescription, XnatStandIn } from '../../src/xnat/testing/index.js';
import { javaHashMapOrder } from '../../src/xnat/stand-in/org-json.js';

// Each test rebuilds, in the stand-in, the archive a recorded response came from, sends the same
// request, and compares values AND key order (JSON.stringify keeps the order of the parsed text).

const FIX = 'test/fixtures/xnat';
const fixtureText = (name: string) => readFileSync(`${FIX}/${name}`, 'utf8');
const fixture = (name: string) => JSON.parse(fixtureText(name)) as unknown;
const ordered = (v: unknown) => JSON.stringify(v);

let server: XnatStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(
  desc: StandInDescription,
  path: string,
): Promise<{ status: number; text: string; type: string }> {
  server = await XnatStandIn.start({ description: desc });
  const res = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

type Rows = { ResultSet: { Result: Record<string, unknown>[] } };

describe('HashMap key order', () => {
  // Rows are filled in XNAT's column order (xnat-rest.md §2); org.json's HashMap then emits them in
  // bucket order. Emulating java.util.HashMap turns the column order into the recorded key order.
  const cases: [string, string[], string, (j: any) => Record<string, unknown>][] = [
    [
      'projects',
      ['ID', 'secondary_ID', 'name', 'description', 'pi_firstname', 'pi_lastname', 'URI'],
      'data_projects.json',
      (j) => j.ResultSet.Result[0],
    ],
    [
      'subjects',
      ['ID', 'project', 'label', 'insert_date', 'insert_user', 'URI'],
      'data_archive_projects_ITCRdemo_subjects.json',
      (j) => j.ResultSet.Result[0],
    ],
    [
      'experiments',
      ['ID', 'project', 'date', 'xsiType', 'label', 'insert_date', 'xnat:subjectassessordata/id', 'URI'],
      'data_archive_projects_TEST_Viewer_subjects_XNAT_JPETTS_S00032_experiments.json',
      (j) => j.ResultSet.Result[0],
    ],
    [
      'scans',
      ['xnat_imagescandata_id', 'ID', 'type', 'quality', 'xsiType', 'note', 'series_description', 'URI'],
      'devxnat.data_archive_projects_Sandbox_subjects_06_experiments_06_121720_scans.Result0.json',
      (j) => j,
    ],
    [
      'resources',
      [
        'xnat_abstractresource_id',
        'label',
        'element_name',
        'category',
        'cat_id',
        'cat_desc',
        'file_count',
        'file_size',
        'tags',
        'content',
        'format',
      ],
      'data_projects_P_resources.wiki-schema.json',
      (j) => j.ResultSet.Result[0],
    ],
    [
      'files',
      ['Name', 'Size', 'URI', 'collection', 'file_tags', 'file_format', 'file_content', 'cat_ID', 'digest'],
      'data_projects_P_files.wiki-schema.json',
      (j) => j.ResultSet.Result[0],
    ],
  ];
  it.each(cases)('%s: column order → recorded key order', (_name, columns, file, pick) => {
    const recorded = Object.keys(pick(fixture(file)));
    expect(recorded).not.toEqual(columns); // the wire order is not the column order...
    expect(javaHashMapOrder(columns)).toEqual(recorded); // ...but HashMap's bucket order
  });

  it('resizes like java.util.HashMap (20 keys: capacity 32)', () => {
    const keys = Object.keys(
      fixture(
        'devxnat.data_archive_projects_Sandbox_subjects_06_experiments_06_121720.items0.data_fields.json',
      ) as object,
    );
    expect(keys.length).toBe(20);
    expect(javaHashMapOrder(keys)).toEqual(keys);
  });
});

describe('stand-in JSON matches recorded XNAT responses', () => {
  it('data_projects.json byte for byte', async () => {
    const r = await get(
      { projects: [{ id: 'FF', secondary_ID: 'ForeFront', name: 'ForeFront Ageing and Neurodegeneration' }] },
      '/data/projects?format=json',
    );
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.text).toBe(fixtureText('data_projects.json').trim());
  });

  it('xsync experiments listing with columns and xsiType, byte for byte', async () => {
    const r = await get(
      {
        projects: [
          {
            id: 'P',
            subjects: [
              {
                label: 'S',
                experiments: [{ id: 'XNAT_E00059', label: 'MR1S1', xsiType: 'xnat:mrSessionData' }],
              },
            ],
          },
        ],
      },
      '/data/archive/projects/P/subjects/S/experiments?format=json&columns=ID,label&xsiType=xnat:mrSessionData',
    );
    expect(r.text).toBe(
      fixtureText(
        'data_archive_projects_P_subjects_S_experiments.columns-ID-label.xsiType-mrSessionData.json',
      ).trim(),
    );
  });

  const ohif: StandInDescription = {
    projects: [
      {
        id: 'ITCRdemo',
        subjects: [
          { label: 'Patient2', id: 'XNAT_JPETTS_S00011', insert_date: '2018-05-14 15:17:57.815' },
          {
            label: 'Patient1',
            id: 'XNAT_JPETTS_S00012',
            project: 'TestParentProject',
            insert_date: '2018-05-14 15:25:07.609',
            experiments: [
              {
                label: 'Patient1',
                id: 'XNAT_JPETTS_E00015',
                date: '2014-08-11',
                xsiType: 'xnat:mrSessionData',
                project: 'ITCRdemo',
                insert_date: '2018-05-14 15:25:07.609',
              },
            ],
          },
        ],
      },
      {
        id: 'TEST_Viewer',
        subjects: [
          {
            label: 'QIN-HEADNECK-01-0003',
            id: 'XNAT_JPETTS_S00032',
            insert_date: '2019-03-05 16:46:37.103',
            experiments: [
              {
                label: 'QIN-HEADNECK-01-0003',
                id: 'XNAT_JPETTS_E00037',
                date: '1987-06-10',
                xsiType: 'xnat:petSessionData',
                insert_date: '2019-03-05 16:46:37.103',
              },
              {
                label: 'QIN-HEADNECK-01-0003a',
                id: 'XNAT_JPETTS_E00039',
                date: '1990-06-09',
                xsiType: 'xnat:ctSessionData',
                insert_date: '2019-03-05 16:47:54.786',
              },
            ],
          },
        ],
      },
    ],
  };

  it.each([
    ['/data/archive/projects/ITCRdemo/subjects?format=json', 'data_archive_projects_ITCRdemo_subjects.json'],
    [
      '/data/archive/projects/ITCRdemo/subjects/XNAT_JPETTS_S00012/experiments?format=json',
      'data_archive_projects_ITCRdemo_subjects_XNAT_JPETTS_S00012_experiments.json',
    ],
    [
      '/data/archive/projects/TEST_Viewer/subjects?format=json',
      'data_archive_projects_TEST_Viewer_subjects.json',
    ],
    [
      '/data/archive/projects/TEST_Viewer/subjects/XNAT_JPETTS_S00032/experiments?format=json',
      'data_archive_projects_TEST_Viewer_subjects_XNAT_JPETTS_S00032_experiments.json',
    ],
  ])('OHIF listing %s', async (path, name) => {
    const r = await get(ohif, path);
    expect(ordered(JSON.parse(r.text))).toBe(ordered(fixture(name)));
    // and in XNAT's compact wire format
    expect(r.text).toMatch(/^\{"ResultSet":\{"Result":\[\{.*\}\], "totalRecords": "\d+"\}\}$/);
  });

  const brainlife: StandInDescription = {
    projects: [
      {
        id: 'PIPELINETEST',
        subjects: [
          {
            label: 'S01',
            experiments: [
              {
                label: 'S01_MR1',
                id: 'XNAT19_E00023',
                scans: [
                  {
                    id: '9',
                    type: 't1mpr_SAG_NSel_S176',
                    xsiType: 'xnat:mrScanData',
                    xnat_imagescandata_id: 737,
                    meta: { create_event_id: 59386, start_date: 'Tue Sep 15 16:13:33 AEST 2020' },
                    shares: [
                      {
                        project: 'ShareTest',
                        label: '9',
                        id: 11,
                        meta: { create_event_id: 75059, start_date: 'Mon Nov 23 17:15:51 AEDT 2020' },
                      },
                    ],
                    resources: [
                      {
                        label: 'BIDS',
                        id: 1839,
                        format: 'BIDS',
                        content: 'BIDS',
                        file_count: 1,
                        file_size: 1569,
                        catalogUri:
                          '/efs/data/xnat/archive/PIPELINETEST/arc001/S01_MR1/SCANS/9/BIDS/BIDS_catalog.xml',
                        meta: { create_event_id: 71968, start_date: 'Wed Sep 23 14:44:53 AEST 2020' },
                        tags: [
                          {
                            tag: 'BIDS',
                            id: 6,
                            meta: { create_event_id: 71968, start_date: 'Wed Sep 23 14:44:53 AEST 2020' },
                          },
                        ],
                      },
                      {
                        label: 'DICOM',
                        id: 1736,
                        content: 'RAW',
                        file_count: 176,
                        file_size: 34708682,
                        catalogUri:
                          '/efs/data/xnat/archive/PIPELINETEST/arc001/S01_MR1/SCANS/9/DICOM/9_catalog.xml',
                        meta: { create_event_id: 59564, start_date: 'Tue Sep 15 16:14:57 AEST 2020' },
                      },
                      {
                        label: 'NIFTI',
                        id: 1838,
                        format: 'NIFTI',
                        content: 'NIFTI_RAW',
                        file_count: 1,
                        file_size: 12385218,
                        catalogUri:
                          '/efs/data/xnat/archive/PIPELINETEST/arc001/S01_MR1/SCANS/9/NIFTI/NIFTI_catalog.xml',
                        meta: { create_event_id: 71967, start_date: 'Wed Sep 23 14:44:52 AEST 2020' },
                        tags: [
                          {
                            tag: 'BIDS',
                            id: 5,
                            meta: { create_event_id: 71967, start_date: 'Wed Sep 23 14:44:52 AEST 2020' },
                          },
                        ],
                      },
                      {
                        label: 'jpeg',
                        id: 1924,
                        file_count: 176,
                        file_size: 1603561,
                        catalogUri:
                          '/efs/data/xnat/archive/PIPELINETEST/arc001/S01_MR1/SCANS/9/jpeg/9_catalog.xml',
                        meta: { create_event_id: 72688, start_date: 'Tue Oct 06 14:08:26 AEDT 2020' },
                      },
                    ],
                  },
                ],
              },
            ],
          },
          {
            label: 'S03',
            id: 'XNAT19_S00012',
            insert_date: '2020-09-15 17:01:51.751',
            insert_user: 'tclo7153',
            experiments: [
              {
                label: 'S03_MR2',
                id: 'XNAT19_E00028',
                xsiType: 'xnat:mrSessionData',
                insert_date: '2020-09-15 17:27:26.971',
              },
              {
                label: 'S03_MR1',
                id: 'XNAT19_E00027',
                xsiType: 'xnat:mrSessionData',
                scans: [
                  {
                    id: '7',
                    type: 'GRE_FIELD_MAPPING',
                    xsiType: 'xnat:mrScanData',
                    xnat_imagescandata_id: 755,
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  };

  it('brainlife scan item (children, meta, typed data_fields, tags, sharing)', async () => {
    const r = await get(brainlife, '/data/experiments/XNAT19_E00023/scans/9?format=json');
    expect(r.status).toBe(200);
    expect(ordered(JSON.parse(r.text))).toBe(
      ordered({ items: fixture('data_experiments_XNAT19_E00023_scans_9.items.json') }),
    );
  });

  it('brainlife rows, requested without format= (listings default to JSON)', async () => {
    server = await XnatStandIn.start({ description: brainlife });
    const auth = { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    const rows = async (p: string) =>
      ((await (await fetch(`${server!.url}${p}`, { headers: auth })).json()) as Rows).ResultSet.Result;
    const subj = (await rows('/data/projects/PIPELINETEST/subjects')).find((x) => x.ID === 'XNAT19_S00012');
    expect(ordered(subj)).toBe(
      ordered(fixture('brainlife.data_projects_PIPELINETEST_subjects.Result-row.json')),
    );
    const exp = (await rows('/data/projects/PIPELINETEST/subjects/XNAT19_S00012/experiments')).find(
      (x) => x.ID === 'XNAT19_E00028',
    );
    expect(ordered(exp)).toBe(
      ordered(
        fixture('brainlife.data_projects_PIPELINETEST_subjects_XNAT19_S00012_experiments.Result-row.json'),
      ),
    );
    const scan = (await rows('/data/experiments/XNAT19_E00027/scans'))[0];
    expect(ordered(scan)).toBe(
      ordered(fixture('brainlife.data_experiments_XNAT19_E00027_scans.Result-row.json')),
    );
  });

  it('devxnat rows and experiment data_fields (labels in the path, numbers stay numbers)', async () => {
    const desc: StandInDescription = {
      projects: [
        {
          id: 'Sandbox',
          subjects: [
            {
              label: '25A',
              id: 'DEVX_S02749',
              insert_date: '2021-03-18 11:36:15.236',
              insert_user: 'bswearingen',
            },
            {
              label: '06',
              id: 'DEVX_S03114',
              experiments: [
                {
                  label: '06_121720',
                  id: 'DEVX_E07019',
                  date: '2020-12-17',
                  modality: 'MR',
                  xsiType: 'xnat:mrSessionData',
                  insert_date: '2021-03-18 11:33:11.835',
                  // The item's fields as this server filled them (insertion order differs between XNAT
                  // versions: devxnat and cirxnat2 disagree on keys that share a HashMap bucket).
                  fields: fixture(
                    'devxnat.data_archive_projects_Sandbox_subjects_06_experiments_06_121720.items0.data_fields.json',
                  ) as Record<string, string | number>,
                  scans: [
                    {
                      id: '1',
                      type: '3 Plane Localizer',
                      series_description: '3 Plane Localizer',
                      quality: 'usable',
                      xsiType: 'xnat:mrScanData',
                      xnat_imagescandata_id: 92755,
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    server = await XnatStandIn.start({ description: desc });
    const auth = { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    const json = async (p: string) =>
      (await (await fetch(`${server!.url}${p}`, { headers: auth })).json()) as any;
    const subjects = (await json('/data/archive/projects/Sandbox/subjects?format=json')) as Rows;
    expect(ordered(subjects.ResultSet.Result[0])).toBe(
      ordered(fixture('devxnat.data_archive_projects_Sandbox_subjects.Result0.json')),
    );
    const exps = (await json('/data/archive/projects/Sandbox/subjects/06/experiments?format=json')) as Rows;
    expect(ordered(exps.ResultSet.Result)).toBe(
      ordered(fixture('devxnat.data_archive_projects_Sandbox_subjects_06_experiments.Result.json')),
    );
    const scans = (await json(
      '/data/archive/projects/Sandbox/subjects/06/experiments/06_121720/scans?format=json',
    )) as Rows;
    expect(ordered(scans.ResultSet.Result[0])).toBe(
      ordered(
        fixture('devxnat.data_archive_projects_Sandbox_subjects_06_experiments_06_121720_scans.Result0.json'),
      ),
    );
    const item = await json('/data/archive/projects/Sandbox/subjects/06/experiments/06_121720?format=json');
    expect(ordered(item.items[0].data_fields)).toBe(
      ordered(
        fixture(
          'devxnat.data_archive_projects_Sandbox_subjects_06_experiments_06_121720.items0.data_fields.json',
        ),
      ),
    );
  });

  it('cirxnat2 rows and experiment data_fields', async () => {
    const desc: StandInDescription = {
      projects: [
        {
          id: 'Sandbox',
          subjects: [
            {
              label: 'subject0004',
              id: 'CIRXNAT2_S11400',
              insert_date: '2023-09-27 17:31:21.352',
              experiments: [
                {
                  label: 'exam0004',
                  id: 'CIRXNAT2_E18718',
                  date: '2023-02-19',
                  modality: 'MR',
                  insert_date: '2023-09-27 17:31:21.352',
                  fields: fixture(
                    'cirxnat2.data_archive_projects_Sandbox_subjects_subject0004_experiments_exam0004.items0.data_fields.json',
                  ) as Record<string, string>,
                  scans: [
                    {
                      id: '2',
                      type: 'T1W',
                      series_description: 'T1W',
                      quality: 'usable',
                      modality: 'MR',
                      xnat_imagescandata_id: 236583,
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    server = await XnatStandIn.start({ description: desc });
    const auth = { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    const json = async (p: string) =>
      (await (await fetch(`${server!.url}${p}`, { headers: auth })).json()) as any;
    const base = '/data/archive/projects/Sandbox/subjects';
    expect(ordered((await json(`${base}?format=json`)).ResultSet.Result[0])).toBe(
      ordered(fixture('cirxnat2.data_archive_projects_Sandbox_subjects.Result0.json')),
    );
    expect(ordered((await json(`${base}/subject0004/experiments?format=json`)).ResultSet.Result)).toBe(
      ordered(fixture('cirxnat2.data_archive_projects_Sandbox_subjects_subject0004_experiments.Result.json')),
    );
    expect(
      ordered((await json(`${base}/subject0004/experiments/exam0004/scans?format=json`)).ResultSet.Result[0]),
    ).toBe(
      ordered(
        fixture(
          'cirxnat2.data_archive_projects_Sandbox_subjects_subject0004_experiments_exam0004_scans.Result0.json',
        ),
      ),
    );
    expect(
      ordered((await json(`${base}/subject0004/experiments/exam0004?format=json`)).items[0].data_fields),
    ).toBe(
      ordered(
        fixture(
          'cirxnat2.data_archive_projects_Sandbox_subjects_subject0004_experiments_exam0004.items0.data_fields.json',
        ),
      ),
    );
  });

  it('UWARC rows', async () => {
    const desc: StandInDescription = {
      projects: [
        {
          id: 'UWARC',
          subjects: [
            {
              label: '4_ASN_test_3D_TOF',
              id: 'XNAT_S00071',
              insert_date: '2016-07-20 12:51:48.678',
              experiments: [
                {
                  label: '4_ASN_test_3D_TOF_28_10_2014_1',
                  id: 'XNAT_E00130',
                  date: '2014-10-28',
                  modality: 'MR',
                  insert_date: '2016-07-20 13:07:19.808',
                },
              ],
            },
            {
              label: '4_QA_HUMAN',
              experiments: [
                {
                  label: '4_QA_HUMAN_11_11_2015_1',
                  id: 'XNAT_E00131',
                  modality: 'MR',
                  scans: [
                    {
                      id: '1',
                      type: '3Plane Loc SSFSE',
                      series_description: '3Plane Loc SSFSE',
                      quality: 'usable',
                      xnat_imagescandata_id: 1423,
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    server = await XnatStandIn.start({ description: desc });
    const auth = { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    const json = async (p: string) =>
      (await (await fetch(`${server!.url}${p}`, { headers: auth })).json()) as any;
    const base = '/data/archive/projects/UWARC/subjects';
    expect(ordered((await json(`${base}?format=json`)).ResultSet.Result[0])).toBe(
      ordered(fixture('uwarc.data_archive_projects_UWARC_subjects.Result0.json')),
    );
    expect(
      ordered((await json(`${base}/4_ASN_test_3D_TOF/experiments?format=json`)).ResultSet.Result[0]),
    ).toBe(
      ordered(
        fixture('uwarc.data_archive_projects_UWARC_subjects_4_ASN_test_3D_TOF_experiments.Result0.json'),
      ),
    );
    expect(
      ordered(
        (await json(`${base}/4_QA_HUMAN/experiments/4_QA_HUMAN_11_11_2015_1/scans?format=json`)).ResultSet
          .Result[0],
      ),
    ).toBe(
      ordered(
        fixture(
          'uwarc.data_archive_projects_UWARC_subjects_4_QA_HUMAN_experiments_4_QA_HUMAN_11_11_2015_1_scans.Result0.json',
        ),
      ),
    );
  });

  it('resource and file listings have the documented keys, key order and envelope', async () => {
    const desc: StandInDescription = {
      projects: [
        {
          id: 'P',
          subjects: [
            {
              label: 'S',
              experiments: [
                {
                  label: 'E',
                  scans: [
                    {
                      id: '1',
                      resources: [{ label: 'DICOM', format: 'DICOM', files: [{ name: 'a.dcm', text: 'x' }] }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    server = await XnatStandIn.start({ description: desc });
    const auth = { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    const text = async (p: string) => (await fetch(`${server!.url}${p}`, { headers: auth })).text();
    const res = await text('/data/projects/P/subjects/S/experiments/E/scans/1/resources?format=json');
    const resSchema = fixture('data_projects_P_resources.wiki-schema.json') as any;
    const resJson = JSON.parse(res);
    expect(Object.keys(resJson.ResultSet)).toEqual(Object.keys(resSchema.ResultSet));
    expect(Object.keys(resJson.ResultSet.Result[0])).toEqual(Object.keys(resSchema.ResultSet.Result[0]));
    const files = await text(
      '/data/projects/P/subjects/S/experiments/E/scans/1/resources/DICOM/files?format=json',
    );
    const filesSchema = fixture('data_projects_P_files.wiki-schema.json') as any;
    const filesJson = JSON.parse(files);
    expect(Object.keys(filesJson.ResultSet)).toEqual(Object.keys(filesSchema.ResultSet));
    expect(filesJson.ResultSet.Columns).toEqual(filesSchema.ResultSet.Columns);
    expect(Object.keys(filesJson.ResultSet.Result[0])).toEqual(Object.keys(filesSchema.ResultSet.Result[0]));
    const row = filesJson.ResultSet.Result[0];
    expect(row.Name).toBe('a.dcm');
    expect(row.Size).toBe('1');
    expect(row.digest).toBe('9dd4e461268c8034f5c8564e155c67a6'); // md5('x')
    expect(row.URI).toMatch(/^\/data\/experiments\/XNAT_E00001\/scans\/1\/resources\/\d+\/files\/a\.dcm$/);
  });
});
