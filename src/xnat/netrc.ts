import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Credentials of one `machine` (or `default`) entry of a `.netrc` file. */
export interface NetrcEntry {
  login?: string;
  password?: string;
  account?: string;
}

/** A parsed `.netrc`: entries by machine name, and the `default` entry if any. */
export interface Netrc {
  machines: Map<string, NetrcEntry>;
  default: NetrcEntry | undefined;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  let inMacro = false;
  for (const line of lines) {
    if (inMacro) {
      if (line.trim() === '') inMacro = false;
      continue;
    }
    let i = 0;
    while (i < line.length) {
      const ch = line[i]!;
      if (/\s/.test(ch)) {
        i++;
        continue;
      }
      if (ch === '#' && (tokens.length === 0 || i === 0 || /\s/.test(line[i - 1] ?? ' '))) break; // comment
      let tok = '';
      if (ch === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          tok += line[i];
          i++;
        }
        i++;
      } else {
        while (i < line.length && !/\s/.test(line[i]!)) {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          tok += line[i];
          i++;
        }
      }
      tokens.push(tok);
      if (tok === 'macdef' && ch !== '"') {
        inMacro = true; // the macro name follows on this line, the body until a blank line
        const rest = line.slice(i).trim();
        if (rest) tokens.push(rest.split(/\s+/)[0]!);
        break;
      }
    }
  }
  return tokens;
}

/**
 * Parses `.netrc` text (`machine`, `default`, `login`, `password`, `account`, `macdef`; quoted
 * tokens and `#` comments as in Python's `netrc`).
 */
export function parseNetrc(text: string): Netrc {
  const out: Netrc = { machines: new Map(), default: undefined };
  const t = tokenize(text);
  let cur: NetrcEntry | undefined;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok === 'machine') {
      const name = t[++i];
      if (name === undefined) break;
      cur = {};
      if (!out.machines.has(name)) out.machines.set(name, cur);
    } else if (tok === 'default') {
      cur = {};
      out.default = cur;
    } else if (tok === 'macdef') {
      i++; // macro name; its body was skipped by the tokenizer
      cur = undefined;
    } else if ((tok === 'login' || tok === 'password' || tok === 'account') && cur) {
      const v = t[++i];
      if (v !== undefined) cur[tok] = v;
    }
  }
  return out;
}

/** Path of the user's netrc file: `$NETRC`, else `~/.netrc` (`~/_netrc` is not looked at). */
export function netrcPath(env: Record<string, string | undefined> = process.env): string {
  return env.NETRC && env.NETRC !== '' ? env.NETRC : join(env.HOME || homedir(), '.netrc');
}

/**
 * Credentials for `host` from a netrc file: the entry for `host:port` or `host`, else `default`;
 * `undefined` if the file does not exist or has none.
 */
export async function netrcCredentials(
  host: string,
  port: string,
  path: string,
): Promise<NetrcEntry | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const n = parseNetrc(text);
  return (port ? n.machines.get(`${host}:${port}`) : undefined) ?? n.machines.get(host) ?? n.default;
}
