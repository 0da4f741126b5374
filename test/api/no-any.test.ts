import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const apiDir = path.resolve(import.meta.dirname, '../../api');

/** Lines of an API report that use `any` as a type (string literals and `//` comments are not types). */
function anyTypeLines(report: string): string[] {
  return report.split('\n').filter((line) => {
    const code = line
      .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''")
      .replace(/\/\/.*$/, '');
    return /(?<![\w$.])any(?![\w$])/.test(code);
  });
}

describe('public types', () => {
  it('finds `any` used as a type, and not the word in a literal or a comment', () => {
    expect(
      anyTypeLines(
        [
          'apply(input: any): Promise<unknown>;',
          'export type F = (x: readonly any[]) => void;',
          'export class C extends Transform<any, any> {',
          "kinds: ('any' | 'array')[];",
          '// any copy of the package',
          'company: string;',
        ].join('\n'),
      ),
    ).toEqual([
      'apply(input: any): Promise<unknown>;',
      'export type F = (x: readonly any[]) => void;',
      'export class C extends Transform<any, any> {',
    ]);
  });

  it('no api/*.api.md report has `any` in a public signature', () => {
    const reports = readdirSync(apiDir).filter((f) => f.endsWith('.api.md'));
    expect(reports.length).toBeGreaterThan(5);
    const offending = reports.flatMap((f) =>
      anyTypeLines(readFileSync(path.join(apiDir, f), 'utf8')).map((line) => `${f}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });
});
