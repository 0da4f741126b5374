/**
 * Training checkpoints in a tracking run's artifacts: the model (tfjs layers format, as `run.logModel`
 * writes it), the optimizer's state (its slot variables, e.g. Adam's moments and step) and the epoch,
 * so that training resumes where it stopped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { ArtifactRepository } from '../../src/tracking/artifacts/artifact-repository.js';
import { joinArtifactPath, normalizeArtifactPath } from '../../src/tracking/artifacts/artifact-repository.js';
import type { Run } from '../../src/tracking/run.js';
import { logTfjsModel, modelLoadHandler } from '../../src/tracking/tfjs-model.js';
import { TrainingError } from '../training-error.js';
import './instance-normalization.js';
import './replicate-pad-to-match.js';

/** What {@link saveCheckpoint} stores. */
export interface CheckpointState {
  model: LayersModel;
  /** The optimizer whose state is saved (its variables must be in a stable order: pass `varList`). */
  optimizer?: tf.Optimizer;
  /** The epoch just finished. */
  epoch: number;
  /** Artifact folder (default `checkpoint`); a later save to the same folder replaces it. */
  artifactPath?: string;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Artifact folder (default `checkpoint`). */
  artifactPath?: string;
  /** An optimizer of the saved class to restore the state into. */
  optimizer?: tf.Optimizer;
}

/** What {@link loadCheckpoint} gives back. */
export interface LoadedCheckpoint {
  /** A new model with the saved topology and weights (custom layers of csc-mlops/networks included). */
  model: LayersModel;
  epoch: number;
  /** True when optimizer state was saved and restored into `options.optimizer`. */
  optimizerRestored: boolean;
}

interface CheckpointJson {
  format: 'csc-mlops-checkpoint';
  epoch: number;
  optimizer: {
    className: string;
    config: tf.serialization.ConfigDict;
    weights: tf.io.WeightsManifestEntry[];
  } | null;
}

const STATE_FILE = 'checkpoint.json';
const OPTIMIZER_FILE = 'optimizer.bin';

/**
 * Saves model weights, optimizer state and epoch into `run`'s artifacts (`checkpoint/model.json`,
 * `weights.bin`, `optimizer.bin`, `checkpoint.json`).
 *
 * @example
 * await saveCheckpoint(run, { model, optimizer, epoch });
 * const { model: resumed, epoch: last } = await loadCheckpoint(run, { optimizer });
 */
export async function saveCheckpoint(run: Run, state: CheckpointState): Promise<void> {
  if (!Number.isInteger(state.epoch) || state.epoch < 0)
    throw new TrainingError('saveCheckpoint', `epoch must be an integer ≥ 0, got ${state.epoch}`);
  const artifactPath = normalizeArtifactPath(state.artifactPath ?? 'checkpoint') || 'checkpoint';
  await logTfjsModel(run.artifacts, run.id, state.model, { artifactPath });
  let optimizer: CheckpointJson['optimizer'] = null;
  if (state.optimizer !== undefined) {
    const named = await state.optimizer.getWeights();
    const { data, specs } = await tf.io.encodeWeights(named);
    tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
    optimizer = {
      className: state.optimizer.getClassName(),
      config: state.optimizer.getConfig(),
      weights: specs,
    };
    await run.artifacts.putBytes(joinArtifactPath(artifactPath, OPTIMIZER_FILE), new Uint8Array(data));
  }
  const json: CheckpointJson = { format: 'csc-mlops-checkpoint', epoch: state.epoch, optimizer };
  await run.artifacts.putBytes(joinArtifactPath(artifactPath, STATE_FILE), JSON.stringify(json, null, 2));
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint} from a run (or its artifact repository): a new
 * model with the saved weights, the epoch, and the optimizer state restored into `options.optimizer`.
 */
export async function loadCheckpoint(
  source: Run | ArtifactRepository,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const repo = 'readArtifact' in source ? source : source.artifacts;
  const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'checkpoint') || 'checkpoint';
  let json: CheckpointJson;
  try {
    json = JSON.parse(
      Buffer.from(await repo.readArtifact(joinArtifactPath(artifactPath, STATE_FILE))).toString('utf8'),
    ) as CheckpointJson;
  } catch (e) {
    throw new TrainingError(
      'loadCheckpoint',
      `no checkpoint at '${artifactPath}/${STATE_FILE}' of ${repo.artifactUri}: save one with saveCheckpoint(run, { model, optimizer, epoch })`,
      { cause: e },
    );
  }
  if (json.format !== 'csc-mlops-checkpoint')
    throw new TrainingError('loadCheckpoint', `${artifactPath}/${STATE_FILE} is not a csc-mlops checkpoint`);
  const model = await loadLayersModel(modelLoadHandler(repo, artifactPath));
  let optimizerRestored = false;
  if (options.optimizer !== undefined && json.optimizer !== null) {
    const cls = options.optimizer.getClassName();
    if (cls !== json.optimizer.className)
      throw new TrainingError(
        'loadCheckpoint',
        `the checkpoint holds ${json.optimizer.className} state; pass an optimizer of that class, got ${cls}`,
      );
    const bytes = await repo.readArtifact(joinArtifactPath(artifactPath, OPTIMIZER_FILE));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const map = tf.io.decodeWeights(buffer, json.optimizer.weights);
    const named = json.optimizer.weights.map((w) => ({ name: w.name, tensor: map[w.name] as tf.Tensor }));
    await options.optimizer.setWeights(named);
    tf.dispose(Object.values(map));
    optimizerRestored = true;
  }
  return { model, epoch: json.epoch, optimizerRestored };
}
