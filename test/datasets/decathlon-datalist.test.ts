import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecathlonDatalist } from '../../datasets/index.js';
import { DatasetError } from '../../src/errors.js';

// The MONAI parity cases are in test/golden-training-inferers-datalists.test.ts; these are the error paths.
describe('loadDecathlonDatalist errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csc-datalist-'));
    await writeFile(
      join(dir, 'ok.json'),
      JSON.stringify({ training: [{ image: 'a.nii' }], bad: ['x'], notList: 3 }),
    );
    await writeFile(join(dir, 'broken.json'), '{ not json');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('joins with the json folder by default and with baseDir when given', async () => {
    expect(await loadDecathlonDatalist(join(dir, 'ok.json'))).toEqual([{ image: join(dir, 'a.nii') }]);
    expect(await loadDecathlonDatalist(join(dir, 'ok.json'), { baseDir: '/data/' })).toEqual([
      { image: '/data/a.nii' },
    ]);
  });

  it('raises a DatasetError for a missing file, bad JSON, a missing key and non-object items', async () => {
    await expect(loadDecathlonDatalist(join(dir, 'missing.json'))).rejects.toBeInstanceOf(DatasetError);
    await expect(loadDecathlonDatalist(join(dir, 'broken.json'))).rejects.toBeInstanceOf(DatasetError);
    await expect(loadDecathlonDatalist(join(dir, 'ok.json'), { dataListKey: 'validation' })).rejects.toThrow(
      /Data list validation not specified/,
    );
    await expect(loadDecathlonDatalist(join(dir, 'ok.json'), { dataListKey: 'bad' })).rejects.toBeInstanceOf(
      DatasetError,
    );
    await expect(
      loadDecathlonDatalist(join(dir, 'ok.json'), { dataListKey: 'notList' }),
    ).rejects.toBeInstanceOf(DatasetError);
  });
});
