import { describe, expect, it } from 'vitest';
import { RouteTable, param } from '../../src/xnat/stand-in/route-table.js';

const table = new RouteTable<string[], undefined>([
  { methods: ['DELETE'], path: 'JSESSION', handle: async (log) => void log.push('logout') },
  { path: 'JSESSION', handle: async (log) => void log.push('session') },
  {
    methods: ['GET'],
    path: 'projects/:project',
    handle: async (log, p) => void log.push(param(p, 'project')),
  },
  {
    methods: ['GET'],
    path: 'experiments/:experiment/**',
    handle: async (log, p) => void log.push(`${param(p, 'experiment')}:${p.rest.join('/')}`),
  },
]);

async function run(method: string, path: string): Promise<string | undefined> {
  const m = table.match(method, path.split('/').filter(Boolean));
  if (!m) return undefined;
  const log: string[] = [];
  await m.route.handle(log, m.params, undefined);
  return log[0];
}

describe('stand-in route table', () => {
  it('first match by method and pattern; :name takes one segment; ** takes the rest, none included', async () => {
    expect(await run('DELETE', 'JSESSION')).toBe('logout');
    expect(await run('POST', 'JSESSION')).toBe('session');
    expect(await run('GET', 'projects/P1')).toBe('P1');
    expect(await run('GET', 'projects/P1/subjects')).toBeUndefined();
    expect(await run('POST', 'projects/P1')).toBeUndefined();
    expect(await run('GET', 'experiments/E1')).toBe('E1:');
    expect(await run('GET', 'experiments/E1/scans/2/files')).toBe('E1:scans/2/files');
    expect(await run('GET', 'experiments')).toBeUndefined();
  });
});
