import { execFile } from 'node:child_process';
import { ConfigError } from '../errors.js';

/** What git says about a working tree. */
export interface GitInfo {
  /** Top-level folder of the repository. */
  root: string;
  /** HEAD commit (40 hex). */
  commit: string;
  /** Current branch, `undefined` on a detached HEAD. */
  branch: string | undefined;
  /** Upstream of the branch (`origin/main`), if any. */
  upstream: string | undefined;
  /** Remote URL (credentials removed), if any. */
  remoteUrl: string | undefined;
  /** Commits on HEAD not on the upstream (local tracking ref; no fetch). */
  ahead: number;
  /** Commits on the upstream not on HEAD. */
  behind: number;
  /** Tracked files with changes (staged or not); untracked files are not listed. */
  modified: string[];
}

function git(cwd: string, args: string[], raw = false): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-C', cwd, ...args],
      {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        resolve({
          ok: error === null,
          out: raw ? stdout : stdout.trim(),
          err: stderr.trim() || (error ? error.message : ''),
        });
      },
    );
  });
}

/** Removes `user:password@` from a remote URL so it can go into a run tag. */
export function redactRemoteUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * Reads the git state of `cwd` with the `git` command (any folder inside the repository works).
 * Returns `undefined` when `cwd` is not in a git repository; throws {@link ConfigError} when git is missing.
 */
export async function readGitInfo(cwd: string): Promise<GitInfo | undefined> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) {
    if (/ENOENT|not found/i.test(top.err) && !/not a git repository/i.test(top.err)) {
      throw new ConfigError(`the git command is needed for the git check but could not be run: ${top.err}`);
    }
    return undefined;
  }
  const head = await git(cwd, ['rev-parse', '--verify', 'HEAD']);
  if (!head.ok)
    throw new ConfigError(
      `git repository at ${top.out} has no commits yet: commit your code before starting a run`,
    );
  const branchRes = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const branch = branchRes.ok ? branchRes.out : undefined;
  const up = await git(cwd, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
  const upstream = up.ok && up.out !== '' ? up.out : undefined;
  let ahead = 0;
  let behind = 0;
  if (upstream !== undefined) {
    const counts = await git(cwd, ['rev-list', '--left-right', '--count', `${upstream}...HEAD`]);
    const [b, a] = counts.out.split(/\s+/).map(Number);
    behind = b ?? 0;
    ahead = a ?? 0;
  }
  let remote = upstream?.split('/')[0];
  if (remote === undefined) {
    const remotes = await git(cwd, ['remote']);
    const list = remotes.out.split('\n').filter((r) => r !== '');
    remote = list.includes('origin') ? 'origin' : list[0];
  }
  let remoteUrl: string | undefined;
  if (remote !== undefined) {
    const u = await git(cwd, ['config', '--get', `remote.${remote}.url`]);
    if (u.ok && u.out !== '') remoteUrl = redactRemoteUrl(u.out);
  }
  const status = await git(cwd, ['status', '--porcelain=v1', '--untracked-files=no', '-z'], true);
  const modified: string[] = [];
  const parts = status.out.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const l = parts[i] ?? '';
    if (l.length < 4) continue;
    modified.push(l.slice(3));
    if (l[0] === 'R' || l[0] === 'C') i++; // rename/copy: the source path follows
  }
  return { root: top.out, commit: head.out, branch, upstream, remoteUrl, ahead, behind, modified };
}

/**
 * The seed's `check_dirty`, fixed: a run must be traceable to pushed code. Fails when tracked files are
 * modified (untracked files such as `./mlruns` do not count), when the branch has no upstream, or when
 * it is ahead of its upstream (as last fetched). Returns the git state for the run tags.
 * @throws ConfigError with what to do (commit, push, or pass `ignoreGitCheck`)
 */
export async function checkGitClean(cwd: string): Promise<GitInfo> {
  const info = await readGitInfo(cwd);
  if (info === undefined) {
    throw new ConfigError(
      `${cwd} is not inside a git repository: runs must be traceable to committed code (or pass ignoreGitCheck: true)`,
    );
  }
  if (info.modified.length > 0) {
    const list =
      info.modified.slice(0, 10).join(', ') +
      (info.modified.length > 10 ? `, … (${info.modified.length} files)` : '');
    throw new ConfigError(
      `Repository is dirty: commit or stash the changes to tracked files first (${list}), or pass ignoreGitCheck: true`,
    );
  }
  if (info.branch === undefined) {
    throw new ConfigError(
      `HEAD is detached at ${info.commit.slice(0, 12)}: check out a branch that is pushed to a remote, or pass ignoreGitCheck: true`,
    );
  }
  if (info.upstream === undefined) {
    throw new ConfigError(
      `Branch '${info.branch}' has no upstream: push it (git push -u origin ${info.branch}) so the run's commit exists on the remote, or pass ignoreGitCheck: true`,
    );
  }
  if (info.ahead > 0) {
    throw new ConfigError(
      `Local repository ahead of remote: branch '${info.branch}' has ${info.ahead} commit(s) not on ${info.upstream}; push first, or pass ignoreGitCheck: true`,
    );
  }
  return info;
}

/** MLflow's git run tags for a working tree. */
export function gitRunTags(info: GitInfo): Record<string, string> {
  const tags: Record<string, string> = { 'mlflow.source.git.commit': info.commit };
  if (info.branch !== undefined) tags['mlflow.source.git.branch'] = info.branch;
  if (info.remoteUrl !== undefined) {
    tags['mlflow.source.git.repoURL'] = info.remoteUrl;
    tags['mlflow.gitRepoURL'] = info.remoteUrl;
  }
  return tags;
}
