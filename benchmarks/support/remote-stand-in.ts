/**
 * The XNAT stand-in in a child process (so the server's zipping does not share the client's event
 * loop): the benchmark script forks itself with `--serve`, the child answers `stats` and `close`
 * messages.
 */
import { type ChildProcess, fork } from 'node:child_process';

/** Client side of a stand-in served by a forked benchmark script. */
export class RemoteStandIn {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Forks `script` with `args` (which should include `--serve`) and waits for its `{ url }`. */
  static async start(script: string, args: string[]): Promise<RemoteStandIn> {
    const child = fork(script, args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((ok, fail) => {
      child.once('message', (m) => ok((m as { url: string }).url));
      child.once('exit', (c) => fail(new Error(`stand-in exited with ${c}`)));
    });
    return new RemoteStandIn(child, url);
  }

  /** The stand-in's counters, as the child sends them. */
  stats<T = Record<string, number>>(): Promise<T> {
    return new Promise((ok) => {
      this.child.once('message', (m) => ok(m as T));
      this.child.send('stats');
    });
  }

  /** Closes the server and waits for the child to exit. */
  async close(): Promise<void> {
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.send('close');
    await exited;
  }
}
