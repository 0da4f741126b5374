/**
 * Writes the body of `transforms/option-table.generated.ts` from the declarations: for every class a
 * subpath exports that extends `Transform`, the options its constructor's `options` parameter takes
 * (name, required, the kinds of value allowed, and the literal values where the type lists them).
 * `Transform`'s constructor checks what a user passes against it (see transforms/option-check.ts).
 */
import type * as TS from 'typescript';
import type { OptionRule } from '../transforms/option-check.js';

type Ts = typeof TS;

function ruleOf(ts: Ts, checker: TS.TypeChecker, type: TS.Type, depth = 0): OptionRule {
  const rule: OptionRule = { kinds: [] };
  const kinds = new Set<OptionRule['kinds'][number]>();
  const values: (string | number | boolean)[] = [];
  let items: OptionRule | undefined;
  const members = type.isUnion() ? type.types : [type];
  for (const t of members) {
    const f = t.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter)) kinds.add('any');
    else if (f & ts.TypeFlags.Undefined || f & ts.TypeFlags.Void) continue;
    else if (f & ts.TypeFlags.Null) kinds.add('null');
    else if (t.isStringLiteral()) values.push(t.value);
    else if (t.isNumberLiteral()) values.push(t.value);
    else if (f & ts.TypeFlags.BooleanLiteral) values.push(checker.typeToString(t) === 'true');
    else if (f & ts.TypeFlags.StringLike) kinds.add('string');
    else if (f & ts.TypeFlags.NumberLike) kinds.add('number');
    else if (f & ts.TypeFlags.BooleanLike) kinds.add('boolean');
    else if (f & ts.TypeFlags.BigIntLike) kinds.add('bigint');
    else if (checker.isArrayType(t) || checker.isTupleType(t)) {
      kinds.add('array');
      if (depth === 0) {
        const element = checker.isTupleType(t)
          ? checker.getTypeArguments(t as TS.TypeReference)
          : [checker.getTypeArguments(t as TS.TypeReference)[0]!];
        for (const e of element) {
          const r = ruleOf(ts, checker, e, depth + 1);
          items = items ? mergeRules(items, r) : r;
        }
      }
    } else if (t.getCallSignatures().length > 0) kinds.add('function');
    else kinds.add('object');
  }
  // `true | false` is `boolean`.
  if (values.includes(true) && values.includes(false)) {
    kinds.add('boolean');
    for (const b of [true, false]) values.splice(values.indexOf(b), 1);
  }
  rule.kinds = [...kinds].sort();
  if (values.length > 0) rule.values = values;
  if (items && !items.kinds.includes('any')) rule.items = items;
  return rule;
}

function mergeRules(a: OptionRule, b: OptionRule): OptionRule {
  const kinds = [...new Set([...a.kinds, ...b.kinds])].sort();
  const values = [...new Set([...(a.values ?? []), ...(b.values ?? [])])];
  return { kinds, ...(values.length ? { values } : {}) };
}

/** `{ ClassName: { option: rule } }` for the Transform classes among `entryFiles`' exports. */
export function optionTable(ts: Ts, program: TS.Program, entryFiles: readonly string[]): string {
  const checker = program.getTypeChecker();
  const table: Record<string, Record<string, OptionRule>> = {};
  const positions: Record<string, number> = {};
  const isTransform = (type: TS.Type): boolean => {
    const t = ((type as TS.TypeReference).target ?? type) as TS.InterfaceType;
    if (!(t.flags & ts.TypeFlags.Object) || !t.isClassOrInterface()) return false;
    for (const base of checker.getBaseTypes(t)) {
      if (base.getSymbol()?.name === 'Transform' || isTransform(base)) return true;
    }
    return false;
  };
  for (const file of entryFiles) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    for (const exported of module ? checker.getExportsOfModule(module) : []) {
      let symbol = exported;
      while (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      if (!(symbol.flags & ts.SymbolFlags.Class) || table[symbol.name]) continue;
      const declared = checker.getDeclaredTypeOfSymbol(symbol);
      if (!isTransform(declared)) continue;
      const ctorType = checker.getTypeOfSymbol(symbol);
      for (const signature of ctorType.getConstructSignatures().slice(0, 1)) {
        const position = signature.getParameters().findIndex((p) => p.name === 'options');
        const param = signature.getParameters()[position];
        if (!param) continue;
        if (position > 0) positions[symbol.name] = position;
        const paramType = checker.getNonNullableType(checker.getTypeOfSymbol(param));
        const rules: Record<string, OptionRule> = {};
        for (const prop of checker.getPropertiesOfType(paramType)) {
          const propType = checker.getTypeOfSymbol(prop);
          const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
          const rule = ruleOf(ts, checker, propType);
          if (!optional) rule.required = true;
          rules[prop.name] = rule;
        }
        table[symbol.name] = Object.fromEntries(Object.entries(rules).sort(([a], [b]) => (a < b ? -1 : 1)));
      }
    }
  }
  const body = Object.entries(table)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, rules]) => {
      const lines = Object.entries(rules).map(([o, r]) => `    ${JSON.stringify(o)}: ${JSON.stringify(r)},`);
      return `  ${name}: {\n${lines.join('\n')}${lines.length ? '\n' : ''}  },`;
    })
    .join('\n');
  return (
    "// Generated by `npm run api:update` (scripts/option-table.ts) from the transforms' option types: do not edit.\n" +
    "import type { OptionTable } from './option-check.js';\n\n" +
    '/** The options each exported transform class accepts, as its TypeScript options type declares them. */\n' +
    `export const OPTION_TABLE: Readonly<Record<string, OptionTable>> = {\n${body}\n};\n\n` +
    '/** Classes whose constructor takes the options object after other arguments: its position. */\n' +
    `export const OPTIONS_POSITION: Readonly<Record<string, number>> = ${JSON.stringify(positions)};\n`
  );
}
