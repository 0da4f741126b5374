/**
 * Replays every exchange recorded from a real MLflow 2.9 server (test/fixtures/mlflow, 449 proxied + 8
 * without the artifact proxy) against the MLflow stand-in that the client's tests run against, and
 * requires the same answers: status, Content-Type, error_code and message, every body value, omitted
 * empty fields, list order, and the recorded headers (Allow, Content-Disposition, X-Content-Type-Options,
 * Location). Values that differ between two recordings of the real server (ids, server timestamps,
 * messages embedding them, the order of methods in Allow) are skipped, as the fixture's `volatile` lists.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdMap, loadFixture, replay } from './helpers/mlflow-replay.js';
import { startMlflowStandIn, type MlflowStandIn } from './mlflow-stand-in.js';

/** The proxied scenarios, in the order they were recorded on one server. */
const ORDER = [
  'experiments',
  'runs',
  'log-metric-param',
  'log-batch',
  'nan-infinity',
  'metric-history',
  'runs-search',
  'registry',
  'artifacts-proxy',
  'errors',
];

/**
 * Exchanges where the stand-in deliberately answers otherwise, by scenario and index, with why. Empty:
 * every recorded answer is matched. (An entry here that stops differing fails the test, so the list
 * stays true.)
 */
const DELIBERATE: Record<string, Record<number, string>> = {};

describe.sequential('the MLflow stand-in answers as the recorded MLflow 2.9 server', () => {
  let server: MlflowStandIn;
  const ids = new IdMap();
  beforeAll(async () => {
    server = await startMlflowStandIn({ version: '2.9.2.dev0' });
  });
  afterAll(async () => server.close());

  for (const name of ORDER) {
    it(`${name}.json`, async () => {
      const fixture = loadFixture(name);
      const results = await replay(server.url, fixture, ids, { '<TRACKING_URI>': server.url });
      const expected = DELIBERATE[name] ?? {};
      const unexpected = results.filter((r) => expected[r.index] === undefined);
      expect(
        unexpected.map((r) => `${r.label}\n  ${r.diffs.join('\n  ')}`),
        `${unexpected.length} of ${fixture.exchanges.length} answers differ`,
      ).toEqual([]);
      const stale = Object.keys(expected).filter((i) => !results.some((r) => r.index === Number(i)));
      expect(stale, 'listed as deliberate but no longer differ').toEqual([]);
    });
  }
});

describe('without the artifact proxy (--no-serve-artifacts, a local artifact root)', () => {
  let root: string;
  let server: MlflowStandIn;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'csc-mlflow-root-'));
    server = await startMlflowStandIn({ serveArtifacts: false, defaultArtifactRoot: root });
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('no-serve-artifacts.json', async () => {
    const fixture = loadFixture('no-serve-artifacts');
    const results = await replay(server.url, fixture, new IdMap(), { '<ARTIFACT_ROOT>': root });
    expect(results.map((r) => `${r.label}\n  ${r.diffs.join('\n  ')}`)).toEqual([]);
  });
});
