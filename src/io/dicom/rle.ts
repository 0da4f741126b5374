/**
 * DICOM RLE Lossless (1.2.840.10008.1.2.5) decoder, PS3.5 Annex G. No npm package decodes it, so
 * this is our own: a 64-byte header of segment offsets, then one PackBits segment per byte plane
 * (sample 0 most significant byte first, ...).
 */

/** Thrown for malformed RLE data; the caller adds the file name. */
export class RleError extends Error {}

/**
 * Decodes one RLE frame into native little-endian bytes with interleaved samples (planar
 * configuration 0), `rows × columns × samplesPerPixel × bitsAllocated/8` bytes.
 */
export function decodeRle(
  frame: Uint8Array,
  rows: number,
  columns: number,
  samplesPerPixel: number,
  bitsAllocated: number,
): Uint8Array {
  if (bitsAllocated % 8 !== 0)
    throw new RleError(`RLE with Bits Allocated ${bitsAllocated} is not supported`);
  const bytesPerSample = bitsAllocated / 8;
  const pixels = rows * columns;
  const expectedSegments = samplesPerPixel * bytesPerSample;
  if (frame.length < 64)
    throw new RleError(`RLE frame of ${frame.length} bytes has no complete 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const nSegments = view.getUint32(0, true);
  if (nSegments !== expectedSegments)
    throw new RleError(
      `RLE header lists ${nSegments} segments but ${samplesPerPixel} sample(s) of ${bitsAllocated} bits need ${expectedSegments}`,
    );
  const offsets: number[] = [];
  for (let i = 0; i < nSegments; i++) offsets.push(view.getUint32(4 + 4 * i, true));
  const stride = samplesPerPixel * bytesPerSample;
  const out = new Uint8Array(pixels * stride);
  for (let seg = 0; seg < nSegments; seg++) {
    const start = offsets[seg]!;
    const end = seg + 1 < nSegments ? offsets[seg + 1]! : frame.length;
    if (start < 64 || start > frame.length || end < start || end > frame.length)
      throw new RleError(`RLE segment ${seg + 1} has an invalid offset ${start}`);
    const sample = Math.floor(seg / bytesPerSample);
    const byteInSample = seg % bytesPerSample;
    // Segments run most significant byte first; native little endian puts it last.
    let o = sample * bytesPerSample + (bytesPerSample - 1 - byteInSample);
    let written = 0;
    let p = start;
    while (written < pixels && p < end) {
      const n = frame[p++]!;
      if (n < 128) {
        const count = n + 1;
        if (p + count > end) throw new RleError(`RLE segment ${seg + 1} is truncated`);
        const m = Math.min(count, pixels - written);
        for (let k = 0; k < m; k++) {
          out[o] = frame[p + k]!;
          o += stride;
        }
        written += m;
        p += count;
      } else if (n > 128) {
        const count = 257 - n;
        if (p >= end) throw new RleError(`RLE segment ${seg + 1} is truncated`);
        const v = frame[p++]!;
        const m = Math.min(count, pixels - written);
        for (let k = 0; k < m; k++) {
          out[o] = v;
          o += stride;
        }
        written += m;
      }
      // n === 128 (-128): no operation.
    }
    if (written < pixels)
      throw new RleError(
        `RLE segment ${seg + 1} decodes to ${written} of ${pixels} bytes: the data is truncated or corrupt`,
      );
  }
  return out;
}
