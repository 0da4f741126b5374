/**
 * Patient identifiers (PatientID, PatientName, AccessionNumber, subject labels) stay out of persistent
 * cache file names and of the error messages and failure lists of datasets and the DataLoader, unless
 * the user asks with showPatientIdentifiers(true).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader, DatasetBuildError, PersistentDataset } from '../../datasets/index.js';
import { identifierHash, showPatientIdentifiers } from '../../src/index.js';
import createPipeline from './support/pipeline-module.js';
import { NIFTI_FILES } from './support/data.js';

const IDS = ['PAT-0042', '7781234', 'DOE^JANE', 'ACC98765'];
const item = (i: number, image: string) => ({
  image,
  subject_label: `PAT-004${i}`,
  PatientID: '7781234',
  PatientName: 'DOE^JANE',
  AccessionNumber: 'ACC98765',
});
const data = [item(1, NIFTI_FILES[0]!), item(2, 'missing/scan.nii.gz'), item(3, NIFTI_FILES[1]!)];
data[1]!.subject_label = 'PAT-0042';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'csc-phi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => showPatientIdentifiers(false));

function expectNoIdentifiers(text: string): void {
  for (const id of IDS) expect(text).not.toContain(id);
}

describe('patient identifiers', () => {
  it('are hashed in build errors, item errors and the loader failure list', async () => {
    const e = await CacheDataset.create({ data, transform: createPipeline(), progress: false }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DatasetBuildError);
    const message = (e as Error).message;
    expectNoIdentifiers(message);
    expect(message).toContain(`subject_label=${identifierHash('PAT-0042')}`);
    expect(message).toContain('missing/scan.nii.gz');

    const ds = await CacheDataset.create({
      data,
      transform: createPipeline(),
      progress: false,
      cacheRate: 0,
    });
    const strict = new DataLoader(ds, { batchSize: 3, seed: 0 });
    const thrown = await (async () => {
      for await (const b of strict) (b as { dispose(): void }).dispose();
    })().catch((x: unknown) => x as Error);
    expectNoIdentifiers(String((thrown as Error).message));
    const loader = new DataLoader(ds, { batchSize: 3, seed: 0, skipFailed: true });
    for await (const b of loader) (b as { dispose(): void }).dispose();
    expect(loader.failures).toHaveLength(1);
    expectNoIdentifiers(loader.failures[0]!.source + loader.failures[0]!.error.message);
  });

  it('never name persistent cache files', async () => {
    const cacheDir = join(dir, 'cache');
    const ds = new PersistentDataset({ data: [data[0]!, data[2]!], transform: createPipeline(), cacheDir });
    await ds.get(0);
    await ds.get(1);
    const names = await readdir(cacheDir);
    expect(names).toHaveLength(2);
    expectNoIdentifiers(names.join('\n'));
    for (const n of names) expect(n).toMatch(/^[0-9a-f]{64}\.cmc$/);
  });

  it('are shown when the user asks', async () => {
    showPatientIdentifiers(true);
    const e = await CacheDataset.create({ data, transform: createPipeline(), progress: false }).catch(
      (x: unknown) => x as Error,
    );
    expect((e as Error).message).toContain('subject_label=PAT-0042');
    expect((e as Error).message).toContain('PatientID=7781234');
  });
});
