/**
 * System-tier tests need programs from Debian (nginx, Orthanc, Jupyter, ...). `requireTool` checks for one
 * before a suite starts and fails at once with what to install, so no test waits for a timeout on a tool
 * that is not there.
 */
import { execFileSync } from 'node:child_process';

/** Where the program was found on PATH; throws naming the package to install when it is missing. */
export function requireTool(program: string, install: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v "$1"`, 'sh', program], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${program} is not installed: ${install} (listed in .ci/apt-packages; \`bash .ci/run\` installs it)`,
    );
  }
}
