/**
 * `multipart/related` for WADO-RS and STOW-RS (RFC 2046 §5.1): a streaming parser that yields one
 * part at a time, and a writer. Our own, short and dependency-free: the maintained npm parsers
 * (busboy, formidable) handle `multipart/form-data` only, and WADO-RS needs parts as they arrive.
 */
import { CscMlopsError, DownloadTooLargeError } from '../errors.js';

/** A `multipart/related` body that ends early, lacks its boundary or has malformed part headers. */
export class MultipartError extends CscMlopsError {}

/** One part: its headers (lower-case names) and its bytes. */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Options of {@link parseMultipart}. */
export interface ParseMultipartOptions {
  /** Largest part in bytes (default 1 GiB): a larger one throws `DownloadTooLargeError`. */
  maxPartBytes?: number;
  /** Largest header block of a part in bytes (default 16 KiB). */
  maxHeaderBytes?: number;
}

/** A parameter of a `Content-Type` value (`boundary`, `type`, `transfer-syntax`), unquoted. */
export function contentTypeParameter(contentType: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const m = re.exec(contentType);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

function parseHeaders(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.toString('latin1').split('\r\n')) {
    if (line === '') continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new MultipartError(`malformed part header line ${JSON.stringify(line.slice(0, 80))}`);
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Parses a `multipart/related` body as it streams in, yielding each part once it is complete, so a
 * series is never held in memory whole. Linear in the body size. Throws {@link MultipartError} when
 * the body ends before the closing boundary (a truncated download) or is malformed, and
 * `DownloadTooLargeError` for a part over `maxPartBytes`.
 *
 * @example
 * for await (const part of parseMultipart(res.body, contentTypeParameter(type, 'boundary')!)) save(part.body);
 */
export async function* parseMultipart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  options: ParseMultipartOptions = {},
): AsyncGenerator<MultipartPart> {
  if (boundary === '' || boundary.length > 200)
    throw new MultipartError(`invalid multipart boundary ${JSON.stringify(boundary)}`);
  const maxPart = options.maxPartBytes ?? 1024 ** 3;
  const maxHeader = options.maxHeaderBytes ?? 16384;
  const delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
  type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';
  let state: State = 'preamble';
  // A CRLF in front lets the first delimiter (which may start the body) match like the others.
  let pending = Buffer.from('\r\n', 'latin1');
  let headers: Record<string, string> = {};
  let chunks: Buffer[] = [];
  let size = 0;
  const take = (b: Buffer) => {
    size += b.length;
    if (size > maxPart)
      throw new DownloadTooLargeError(
        `a multipart part is larger than maxPartBytes (${maxPart} bytes); raise maxPartBytes if such instances are expected`,
        maxPart,
      );
    if (b.length > 0) chunks.push(b);
  };
  for await (const chunk of body) {
    if (state === 'done') continue; // epilogue
    let buf = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    pending = Buffer.alloc(0);
    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const i = buf.indexOf(delim);
        if (i < 0) {
          const keep = Math.min(buf.length, delim.length - 1);
          if (state === 'body') take(buf.subarray(0, buf.length - keep));
          pending = Buffer.from(buf.subarray(buf.length - keep));
          break;
        }
        if (state === 'body') {
          take(buf.subarray(0, i));
          yield { headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
          chunks = [];
          size = 0;
        }
        buf = buf.subarray(i + delim.length);
        state = 'after-delimiter';
      }
      if (state === 'after-delimiter') {
        const eol = buf.indexOf('\r\n');
        if (buf.length >= 2 && buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          break;
        }
        if (eol < 0) {
          if (buf.length > 256) throw new MultipartError('malformed multipart delimiter line');
          pending = Buffer.from(buf);
          break;
        }
        if (buf.subarray(0, eol).toString('latin1').trim() !== '')
          throw new MultipartError('malformed multipart delimiter line');
        buf = buf.subarray(eol + 2);
        state = 'headers';
      }
      if (state === 'headers') {
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          headers = {};
          buf = buf.subarray(2);
          state = 'body';
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > maxHeader)
            throw new MultipartError(`a part's headers are longer than ${maxHeader} bytes`);
          pending = Buffer.from(buf);
          break;
        }
        headers = parseHeaders(buf.subarray(0, end));
        buf = buf.subarray(end + 4);
        state = 'body';
      }
    }
  }
  if (state !== 'done')
    throw new MultipartError(
      state === 'preamble'
        ? `the multipart body has no boundary '${boundary}' (an empty or non-multipart answer)`
        : 'the multipart body ended before its closing boundary (truncated download)',
    );
}

/** One part to write with {@link multipartBody}. */
export interface OutgoingPart {
  contentType: string;
  body: Uint8Array;
}

/** A `multipart/related` body of `parts` with `boundary` (as STOW-RS sends instances). */
export function multipartBody(parts: readonly OutgoingPart[], boundary: string): Uint8Array {
  const pieces: Buffer[] = [];
  for (const p of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Type: ${p.contentType}\r\n\r\n`, 'latin1'));
    pieces.push(Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength));
    pieces.push(Buffer.from('\r\n', 'latin1'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(pieces);
}
