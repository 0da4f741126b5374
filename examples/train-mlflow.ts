/**
 * A small TensorFlow.js training run logged to MLflow: params, per-epoch metrics (loss, accuracy,
 * validation), and the trained model as artifacts (model.json + weights.bin + MLmodel).
 *
 * Local (no server): runs go to ./mlruns, viewable with `mlflow ui` (MLflow ≤ 3.12, or set
 * MLFLOW_ALLOW_FILE_STORE=true on later versions):
 *   npx tsx examples/train-mlflow.ts
 * Against the deploy/ stack (artifacts straight to MinIO):
 *   MLFLOW_TRACKING_URI=https://localhost MLFLOW_TRACKING_USERNAME=… MLFLOW_TRACKING_PASSWORD=… \
 *   MLFLOW_S3_ENDPOINT_URL=https://localhost:9000 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \
 *   npx tsx examples/train-mlflow.ts --epochs 5
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { mlflowCallback, startRun } from '../src/tracking/index.js';
import type { TrackingEnv, TrackingStore } from '../src/tracking/index.js';

/** Options of {@link main}. */
export interface TrainExampleOptions {
  /** Tracking URI (default `MLFLOW_TRACKING_URI`, else ./mlruns). */
  trackingUri?: string;
  /** A ready-made store (tests). */
  store?: TrackingStore;
  experimentName?: string;
  /** Artifact root for a new experiment (e.g. `s3://mlflow`); default: the server's. */
  artifactLocation?: string;
  epochs?: number;
  learningRate?: number;
  env?: TrackingEnv;
  log?: (line: string) => void;
}

/** Trains a tiny classifier on synthetic data and logs everything to one MLflow run. */
export async function main(
  options: TrainExampleOptions = {},
): Promise<{ runId: string; experimentId: string; finalLoss: number }> {
  const epochs = options.epochs ?? 5;
  const learningRate = options.learningRate ?? 0.05;
  const log = options.log ?? ((l: string) => console.log(l));
  tf.env().set('PROD', true);

  const run = await startRun({
    ...(options.store ? { store: options.store } : {}),
    ...(options.trackingUri ? { trackingUri: options.trackingUri } : {}),
    ...(options.artifactLocation ? { artifactLocation: options.artifactLocation } : {}),
    experimentName: options.experimentName ?? 'csc-mlops-example',
    runName: 'tfjs-dense-classifier',
    description: 'examples/train-mlflow.ts: two dense layers on synthetic 2-class data',
    ...(options.env ? { env: options.env } : {}),
  });
  log(`run ${run.id} → ${run.store.trackingUri} (artifacts: ${run.artifactUri})`);
  return run.use(async () => {
    await run.logParams({
      epochs,
      learningRate,
      batchSize: 16,
      hidden: 16,
      optimizer: 'adam',
      backend: tf.getBackend(),
    });
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({
      optimizer: tf.train.adam(learningRate),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const { xs, ys } = tf.tidy(() => {
      const x = tf.randomNormal([256, 8], 0, 1, 'float32', 42);
      const w = tf.linspace(-1, 1, 8).reshape([8, 1]);
      return { xs: x, ys: tf.cast(tf.greater(tf.matMul(x, w), 0), 'float32') };
    });
    try {
      const history = await model.fit(xs, ys, {
        epochs,
        batchSize: 16,
        validationSplit: 0.2,
        verbose: 0,
        callbacks: [
          mlflowCallback(run),
          {
            onEpochEnd: async (epoch: number, logs?: Record<string, number>) =>
              log(`epoch ${epoch}: loss ${logs?.loss?.toFixed(4)} val_acc ${logs?.val_acc?.toFixed(3)}`),
          },
        ],
      });
      const saved = await run.logModel(model);
      log(`model saved to ${saved.modelUri}`);
      const losses = history.history.loss as number[];
      return { runId: run.id, experimentId: run.experimentId, finalLoss: losses[losses.length - 1] ?? NaN };
    } finally {
      tf.dispose([xs, ys]);
      model.optimizer.dispose();
      model.dispose();
    }
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { epochs: { type: 'string' } } });
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1))
    throw new RangeError(`--epochs takes a whole number >= 1, got '${values.epochs}'`);
  main(epochs !== undefined ? { epochs } : {}).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
