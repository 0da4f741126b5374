import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  parseConfigParserText,
  parseExperimentConfig,
  readExperimentConfig,
} from '../../src/tracking/config.js';
import { Experiment, shellQuote } from '../../src/tracking/experiment.js';
import { redactRemoteUrl } from '../../src/tracking/git.js';
import { seedConfig } from './helpers/seed-config.js';

// Node-only part of the Experiment tests; what needs the git program is in experiment-git.system.test.ts.

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'csc-exp-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('git remote URLs', () => {
  it('redacts credentials in remote URLs', () => {
    expect(redactRemoteUrl('https://user:ghp_secret@github.com/org/repo.git')).toBe(
      'https://github.com/org/repo.git',
    );
    expect(redactRemoteUrl('git@github.com:org/repo.git')).toBe('git@github.com:org/repo.git');
  });
});

describe('config.cfg', () => {
  it('reads the seed format (case-insensitive keys, lower-cased entry points)', async () => {
    const cfg = parseExperimentConfig(seedConfig('http://0.0.0.0:85', 'http://0.0.0.0:8002'));
    expect(cfg.project).toEqual({
      name: 'Test_Project',
      volumeMount: '/data/mock:/DATA',
      localVolumeMount: '${PWD}/tests/data/mock_data_dir/:/DATA',
    });
    expect(cfg.server).toEqual({
      trackingUri: 'http://mlflow.invalid:85',
      s3EndpointUrl: 'http://minio.invalid:8002',
      localTrackingUri: 'http://0.0.0.0:85',
      localS3EndpointUrl: 'http://0.0.0.0:8002',
      artifactPath: 's3://mlflow',
    });
    expect(Object.keys(cfg.entryPoints ?? {})).toEqual(['main', 'crash', 'selfkill', 'echo']);
    expect(() => parseExperimentConfig('[server]\nARTIFACT_PATH = s3://x\n')).toThrow(/NAME is required/);
    expect(() => readExperimentConfig(join(base, 'missing.cfg'))).toThrow(
      /cannot read the experiment configuration/,
    );
    expect(() => new Experiment({ projectPath: base, configPath: 'missing.cfg' })).toThrow(ConfigError);
  });

  it('reads INI as configparser does: ; and # inside values, quotes, DEFAULT, %(x)s, continuation lines', () => {
    const parsed = parseConfigParserText(
      [
        '# comment',
        '[DEFAULT]',
        'root = /srv/data',
        '[project]',
        'NAME : Seg',
        '; another comment',
        '[entry_points]',
        'main = cd src; npx tsx train.ts --tag "#1"',
        'quoted = "python3 train.py"',
        'data = %(root)s/train  # not a comment',
        'pct = 50%%',
        'multi = first',
        '    second',
      ].join('\n'),
    );
    expect(parsed.project).toEqual({ root: '/srv/data', name: 'Seg' });
    expect(parsed.entry_points).toEqual({
      root: '/srv/data',
      main: 'cd src; npx tsx train.ts --tag "#1"',
      quoted: '"python3 train.py"',
      data: '/srv/data/train  # not a comment',
      pct: '50%',
      multi: 'first\nsecond',
    });
    expect(() => parseConfigParserText('[a]\nx = 1\nX = 2')).toThrow(/appears twice/);
    expect(() => parseConfigParserText('[a]\nurl = http://h/%40')).toThrow(/lone '%'/);
    expect(() => parseConfigParserText('[a]\nnovalue')).toThrow(/expected 'key = value'/);
    expect(() => parseConfigParserText('x = 1')).toThrow(/before any \[section\]/);
    const cfg = parseExperimentConfig('[project]\nname = p\n[entry_points]\nTrain = a; b\n');
    expect(cfg.entryPoints).toEqual({ train: 'a; b' });
  });

  it('use_localhost picks the LOCAL_* settings; the environment is not modified', () => {
    const before = process.env.MLFLOW_TRACKING_URI;
    const e = new Experiment({
      config: parseExperimentConfig(seedConfig('http://127.0.0.1:85', 'http://127.0.0.1:8002')),
      useLocalhost: true,
      env: {},
    });
    expect(e.trackingUri).toBe('http://127.0.0.1:85');
    expect(e.s3EndpointUrl).toBe('http://127.0.0.1:8002');
    expect(e.name).toBe('test_project');
    const remoteExp = new Experiment({ config: parseExperimentConfig(seedConfig('x', 'y')), env: {} });
    expect(remoteExp.trackingUri).toBe('http://mlflow.invalid:85');
    expect(process.env.MLFLOW_TRACKING_URI).toBe(before);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
