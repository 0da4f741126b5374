/**
 * API docs from the doc comments (TypeDoc), one module per package.json "exports" subpath.
 *
 *   tsx scripts/docs.ts           write the HTML docs to docs/api/ (`npm run docs`)
 *   tsx scripts/docs.ts --check   no output; fail on a broken {@link}, an exported name without a doc
 *                                 comment, or a public signature naming an unexported type
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Application, LogLevel } from 'typedoc';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string }>;
};
// ./dist/src/index.d.ts → src/index.ts
const entryPoints = Object.values(pkg.exports).map((c) =>
  path.join(root, c.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')),
);

const app = await Application.bootstrapWithPlugins({
  entryPoints,
  tsconfig: path.join(root, 'tsconfig.build.json'),
  out: path.join(root, 'docs', 'api'),
  name: 'csc-mlops',
  readme: path.join(root, 'docs', 'api-index.md'),
  disableSources: true, // no source links: a user's clone has no fixed remote to point them at
  excludePrivate: true,
  excludeProtected: true,
  excludeInternal: true,
  skipErrorChecking: true, // `npm test` type-checks; this run only reads the comments
  logLevel: LogLevel.Warn,
  requiredToBeDocumented: ['Class', 'Function', 'Variable', 'TypeAlias', 'Interface', 'Enum'],
  validation: { notExported: true, invalidLink: true, notDocumented: true, rewrittenLink: true },
  treatValidationWarningsAsErrors: values.check,
});
const project = await app.convert();
if (!project) {
  process.exitCode = 1;
} else {
  app.validate(project);
  if (app.logger.hasErrors() || (values.check && app.logger.hasWarnings())) process.exitCode = 1;
  else if (!values.check) await app.generateDocs(project, path.join(root, 'docs', 'api'));
  console.log(
    values.check
      ? `docs check: ${app.logger.errorCount} error(s), ${app.logger.warningCount} warning(s)`
      : `API docs written to docs/api/index.html`,
  );
}
