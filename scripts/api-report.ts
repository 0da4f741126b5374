/**
 * API reports: one `api/<subpath>.api.md` per entry of package.json "exports", written by
 * `@microsoft/api-extractor` from the emitted declarations, so that a change to the public surface is a
 * reviewed diff.
 *
 *   tsx scripts/api-report.ts           compare: exit 1 when a report differs (`npm run api:check`)
 *   tsx scripts/api-report.ts --update  rewrite the reports (`npm run api:update`)
 *
 * Both first emit declarations into `.cache/api-dts` (declarations only, faster than `npm run build`);
 * `--reuse-declarations` skips that when `npm test`'s type-check pass has just emitted them there.
 * New subpaths are picked up from "exports"; a report whose subpath left "exports" is an error in
 * check mode and deleted by `--update`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { optionTable } from './option-table.js';

const root = path.resolve(import.meta.dirname, '..');
// The TypeScript that API Extractor's program was built with (its own copy).
const ts = createRequire(path.join(root, 'node_modules/@microsoft/api-extractor/package.json'))(
  'typescript',
) as typeof TS;
const optionTablePath = path.join(root, 'transforms', 'option-table.generated.ts');
const reportFolder = path.join(root, 'api');
const dtsFolder = path.join(root, '.cache', 'api-dts');
const tempFolder = path.join(root, '.cache', 'api-temp');

const { values } = parseArgs({
  options: {
    update: { type: 'boolean', default: false },
    'reuse-declarations': { type: 'boolean', default: false },
  },
});
const update = values.update;

interface ExportConditions {
  types?: string;
}

/** `.` → `csc-mlops`, `./xnat/testing` → `xnat-testing`. */
function reportName(subpath: string): string {
  return subpath === '.' ? 'csc-mlops' : subpath.replace(/^\.\//, '').replaceAll('/', '-');
}

const pkgPath = path.join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, ExportConditions> };
const entries = Object.entries(pkg.exports).map(([subpath, conditions]) => {
  if (!conditions.types?.startsWith('./dist/')) {
    throw new Error(
      `package.json exports["${subpath}"].types must point into ./dist/ (got ${conditions.types})`,
    );
  }
  return {
    subpath,
    name: reportName(subpath),
    dts: path.join(dtsFolder, conditions.types.slice('./dist/'.length)),
  };
});

const started = Date.now();
if (!values['reuse-declarations']) {
  rmSync(dtsFolder, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules/typescript/bin/tsc'),
      ...['-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--declarationMap', 'false'],
      ...['--sourceMap', 'false', '--outDir', dtsFolder],
    ],
    { cwd: root, stdio: 'inherit' },
  );
}
const tscSeconds = ((Date.now() - started) / 1000).toFixed(1);
mkdirSync(reportFolder, { recursive: true });

const problems: string[] = [];
const forgotten: { subpath: string; symbol: string; where: string }[] = [];
let compilerState: CompilerState | undefined; // one TypeScript program for all subpaths
for (const entry of entries) {
  const config = ExtractorConfig.prepare({
    configObjectFullPath: path.join(root, 'api-extractor.json'),
    packageJsonFullPath: pkgPath,
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: entry.dts,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            lib: ['ES2023'],
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: entries.map((e) => e.dts),
        },
      },
      apiReport: {
        enabled: true,
        reportFolder,
        reportTempFolder: tempFolder,
        reportFileName: `${entry.name}.api.md`,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          // Doc comments are checked by `npm run docs:check` (TypeDoc), which knows what is exported.
          'ae-undocumented': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          // A public signature that names a type its subpath does not export: checked below against
          // the other subpaths (a core type such as MetaImage is exported once, by `csc-mlops`).
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
      },
    },
  });
  compilerState ??= CompilerState.create(config, { additionalEntryPoints: entries.map((e) => e.dts) });
  const result = Extractor.invoke(config, {
    compilerState,
    localBuild: update,
    showVerboseMessages: false,
    messageCallback: (message) => {
      if (message.messageId === 'ae-forgotten-export') {
        const symbol = /symbol "([^"]+)"/.exec(message.text)?.[1]?.replace(/_\d+$/, '');
        if (symbol) forgotten.push({ subpath: entry.subpath, symbol, where: `${message.sourceFilePath}` });
        message.handled = true;
      }
      // The "you have changed the API" notice is reported once below, per subpath.
      if (message.messageId === 'console-api-report-changed') message.handled = true;
      if (message.messageId === 'console-compiler-version-notice') message.handled = true;
      // Broken {@link} targets are found by `npm run docs:check`.
      if (message.messageId === 'ae-unresolved-link') message.handled = true;
    },
  });
  if (result.apiReportChanged && !update) {
    problems.push(
      `${entry.subpath}: the public API differs from api/${entry.name}.api.md ` +
        `(see .cache/api-temp/${entry.name}.api.md)`,
    );
  } else if (result.errorCount > 0) {
    problems.push(`${entry.subpath}: ${result.errorCount} API Extractor error(s) above`);
  }
}

// Every type a public signature names must be exported by some subpath.
const exported = new Set<string>();
for (const entry of entries) {
  const report = readFileSync(path.join(tempFolder, `${entry.name}.api.md`), 'utf8');
  for (const m of report.matchAll(
    /^export (?:declare )?(?:abstract )?(?:class|interface|type|function|const|enum) (\w+)/gm,
  )) {
    exported.add(m[1]!);
  }
}
for (const f of forgotten) {
  if (exported.has(f.symbol)) continue;
  problems.push(
    `${f.subpath}: a public signature names "${f.symbol}" (${path.relative(dtsFolder, f.where)}), ` +
      'which no subpath exports: export it from the barrel, or keep it out of public signatures',
  );
}

// One name means one thing: a name exported by two subpaths must be the same declaration.
if (compilerState) {
  const program = compilerState.program as TS.Program;
  const checker = program.getTypeChecker();
  const owner = new Map<string, { subpath: string; declaration: TS.Declaration | undefined }>();
  for (const entry of entries) {
    const source = program.getSourceFile(entry.dts);
    const module = source && checker.getSymbolAtLocation(source);
    for (const symbol of module ? checker.getExportsOfModule(module) : []) {
      let target = symbol;
      while (target.flags & ts.SymbolFlags.Alias) target = checker.getAliasedSymbol(target);
      const declaration = target.declarations?.[0];
      const first = owner.get(symbol.name);
      if (!first) owner.set(symbol.name, { subpath: entry.subpath, declaration });
      else if (first.declaration !== declaration) {
        problems.push(
          `"${symbol.name}" is exported by ${first.subpath} and ${entry.subpath} with different meanings: ` +
            'rename one of them',
        );
      }
    }
  }
}

// The option table Transform's constructor checks options against, from the option types.
if (compilerState) {
  const table = optionTable(
    ts,
    compilerState.program as TS.Program,
    entries.map((e) => e.dts),
  );
  const current = existsSync(optionTablePath) ? readFileSync(optionTablePath, 'utf8') : '';
  if (current !== table) {
    if (update) writeFileSync(optionTablePath, table);
    else problems.push('transforms/option-table.generated.ts is out of date with the option types');
  }
}

const known = new Set(entries.map((e) => `${e.name}.api.md`));
for (const file of existsSync(reportFolder) ? readdirSync(reportFolder) : []) {
  if (!file.endsWith('.api.md') || known.has(file)) continue;
  if (update) rmSync(path.join(reportFolder, file));
  else
    problems.push(`api/${file}: no package.json "exports" subpath has this report; run npm run api:update`);
}

const seconds = `${((Date.now() - started) / 1000).toFixed(1)} s, declarations ${tscSeconds} s`;
if (problems.length > 0) {
  console.error(
    `API check failed (${seconds}):\n  ${problems.join('\n  ')}\n` +
      'If the change is intended, run `npm run api:update` and commit the api/*.api.md diff for review.',
  );
  process.exitCode = 1;
} else {
  console.log(`API reports ${update ? 'updated' : 'match'} for ${entries.length} subpaths (${seconds}).`);
}
