import { randomBytes } from 'node:crypto';
import type { io } from '@tensorflow/tfjs-core';
import { MlflowError } from '../errors.js';
import type { ArtifactRepository } from './artifacts/artifact-repository.js';
import { joinArtifactPath, normalizeArtifactPath } from './artifacts/artifact-repository.js';

/** Anything tfjs can save through an IOHandler: a `tf.LayersModel` (or a `GraphModel`). */
export interface SavableModel {
  /** Saves the model through a tfjs IOHandler or URL (as `tf.LayersModel.save`). */
  save(handlerOrURL: io.IOHandler | string, config?: io.SaveConfig): Promise<io.SaveResult>;
}

/** Options of {@link logTfjsModel} / `run.logModel`. */
export interface LogModelOptions {
  /** Artifact folder (default `model`). */
  artifactPath?: string;
  /** Weights file name (default `weights.bin`). */
  weightsFile?: string;
  /** Also save the optimizer state (tfjs `includeOptimizer`). */
  includeOptimizer?: boolean;
}

/** What was written by {@link logTfjsModel}. */
export interface LoggedModel {
  artifactPath: string;
  /** Artifact URI of the model folder (`<run artifact root>/model`). */
  modelUri: string;
  modelUuid: string;
  files: string[];
  weightBytes: number;
}

function concatWeights(data: io.ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of parts) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out;
}

function utcNow(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000`;
}

/**
 * Collects a model's artifacts with an in-memory tfjs IOHandler and returns the files of the tfjs
 * "layers-model" format: `model.json` (topology + weights manifest) and one weights file.
 */
export async function serializeTfjsModel(
  model: SavableModel,
  options: Pick<LogModelOptions, 'weightsFile' | 'includeOptimizer'> = {},
): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array; artifacts: io.ModelArtifacts }> {
  const weightsFile = options.weightsFile ?? 'weights.bin';
  let captured: io.ModelArtifacts | undefined;
  const handler: io.IOHandler = {
    save: async (artifacts: io.ModelArtifacts): Promise<io.SaveResult> => {
      captured = artifacts;
      const topologyBytes =
        artifacts.modelTopology instanceof ArrayBuffer
          ? artifacts.modelTopology.byteLength
          : Buffer.byteLength(JSON.stringify(artifacts.modelTopology ?? {}));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: artifacts.modelTopology instanceof ArrayBuffer ? 'GraphDef' : 'JSON',
          modelTopologyBytes: topologyBytes,
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? [])),
          weightDataBytes: concatWeights(artifacts.weightData).byteLength,
        },
      };
    },
  };
  if (typeof model?.save !== 'function') {
    throw new MlflowError(
      'logModel: expected a tfjs model with a save() method (tf.LayersModel)',
      'INVALID_PARAMETER_VALUE',
      0,
    );
  }
  await model.save(handler, options.includeOptimizer ? { includeOptimizer: true } : undefined);
  if (captured === undefined)
    throw new MlflowError('logModel: the model did not call the save handler', 'INTERNAL_ERROR', 0);
  if (captured.modelTopology instanceof ArrayBuffer) {
    throw new MlflowError(
      'logModel: binary (GraphDef) topologies are not supported; save a tf.LayersModel',
      'INVALID_PARAMETER_VALUE',
      0,
    );
  }
  const modelJson: Record<string, unknown> = {
    modelTopology: captured.modelTopology,
    format: captured.format,
    generatedBy: captured.generatedBy,
    convertedBy: captured.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsFile], weights: captured.weightSpecs ?? [] }],
  };
  for (const k of [
    'signature',
    'userDefinedMetadata',
    'modelInitializer',
    'initializerSignature',
    'trainingConfig',
  ] as const) {
    if (captured[k] != null) modelJson[k] = captured[k];
  }
  return { modelJson, weights: concatWeights(captured.weightData), artifacts: captured };
}

/**
 * Saves a tfjs model into a run's artifacts as `<artifactPath>/model.json` + `weights.bin` (the format
 * `tf.loadLayersModel` reads) plus an `MLmodel` file describing a `tfjs` flavor. Used by `run.logModel`.
 */
export async function logTfjsModel(
  repo: ArtifactRepository,
  runId: string,
  model: SavableModel,
  options: LogModelOptions = {},
): Promise<LoggedModel> {
  const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'model') || 'model';
  const weightsFile = options.weightsFile ?? 'weights.bin';
  const { modelJson, weights } = await serializeTfjsModel(model, options);
  const modelUuid = randomBytes(16).toString('hex');
  const version = /v?(\d+\.\d+\.\d+)/.exec(String(modelJson.generatedBy ?? ''))?.[1] ?? 'unknown';
  const created = utcNow();
  const mlmodel = [
    `artifact_path: ${artifactPath}`,
    'flavors:',
    '  tfjs:',
    `    format: ${String(modelJson.format ?? 'layers-model')}`,
    '    model_json: model.json',
    `    tfjs_version: ${version}`,
    `    weights: ${weightsFile}`,
    `model_uuid: ${modelUuid}`,
    `run_id: ${runId}`,
    `utc_time_created: '${created}'`,
    '',
  ].join('\n');
  await repo.putBytes(joinArtifactPath(artifactPath, 'model.json'), JSON.stringify(modelJson));
  await repo.putBytes(joinArtifactPath(artifactPath, weightsFile), weights);
  await repo.putBytes(joinArtifactPath(artifactPath, 'MLmodel'), mlmodel);
  return {
    artifactPath,
    modelUri: `${repo.artifactUri.replace(/\/+$/, '')}/${artifactPath}`,
    modelUuid,
    files: ['model.json', weightsFile, 'MLmodel'].map((f) => joinArtifactPath(artifactPath, f)),
    weightBytes: weights.byteLength,
  };
}

/**
 * Reads a model saved by {@link logTfjsModel} (or any tfjs `model.json` + weights folder) back as tfjs
 * `ModelArtifacts`: `tf.loadLayersModel(tf.io.fromMemory(await loadModelArtifacts(run.artifacts)))`.
 */
export async function loadModelArtifacts(
  repo: ArtifactRepository,
  artifactPath = 'model',
): Promise<io.ModelArtifacts> {
  const base = normalizeArtifactPath(artifactPath);
  const json = JSON.parse(
    Buffer.from(await repo.readArtifact(joinArtifactPath(base, 'model.json'))).toString('utf8'),
  ) as {
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  } & Partial<io.ModelArtifacts>;
  const specs: io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) chunks.push(await repo.readArtifact(joinArtifactPath(base, p)));
  }
  const weights = Buffer.concat(chunks);
  const out: io.ModelArtifacts = {
    modelTopology: json.modelTopology ?? {},
    weightSpecs: specs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
  for (const k of [
    'format',
    'generatedBy',
    'convertedBy',
    'trainingConfig',
    'userDefinedMetadata',
    'signature',
    'modelInitializer',
  ] as const) {
    if (json[k] != null) (out as Record<string, unknown>)[k] = json[k];
  }
  return out;
}

/** A tfjs `IOHandler` that loads a logged model: `tf.loadLayersModel(modelLoadHandler(run.artifacts))`. */
export function modelLoadHandler(repo: ArtifactRepository, artifactPath = 'model'): io.IOHandler {
  return { load: () => loadModelArtifacts(repo, artifactPath) };
}
