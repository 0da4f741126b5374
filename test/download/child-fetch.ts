/**
 * Child process for the kill and full-disk tests: downloads one scan into an XNAT download cache and
 * prints one JSON line (the result, or the error's class, code and message).
 * Env: SERVER, CACHE_DIR, SCAN.
 */
import { XnatDownloadCache, XnatSession } from '../../src/xnat/index.js';

const session = await XnatSession.connect({
  server: process.env.SERVER!,
  user: 'admin',
  password: 'admin',
  netrc: false,
  env: {},
  retries: 0,
});
process.stdout.write('ready\n');
try {
  const got = await new XnatDownloadCache(process.env.CACHE_DIR!).fetch(session, process.env.SCAN!);
  process.stdout.write(`${JSON.stringify({ ok: true, files: got.files.length })}\n`);
} catch (e) {
  const err = e as Error & { code?: string };
  process.stdout.write(
    `${JSON.stringify({ ok: false, name: err.name, code: err.code, message: err.message })}\n`,
  );
} finally {
  await session.close();
}
