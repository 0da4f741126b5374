import { describe, expect, it } from 'vitest';
import { decodeError, encodeError } from '../../datasets/wire-format.js';
import { ImageReadError, TransformError, XnatNotFoundError } from '../../src/errors.js';

describe('errors crossing worker threads', () => {
  it('keep their class, fields and cause (a structured clone in between)', () => {
    const cause = new ImageReadError('/data/a.nii.gz', 'truncated gzip');
    const e = new TransformError('LoadImaged', 'image', 'could not load', { cause });
    const back = decodeError(structuredClone(encodeError(e)));
    expect(back).toBeInstanceOf(TransformError);
    expect(back.message).toBe(e.message);
    expect((back as TransformError).transform).toBe('LoadImaged');
    expect((back as TransformError).key).toBe('image');
    expect(back.cause).toBeInstanceOf(ImageReadError);
    expect((back.cause as ImageReadError).file).toBe('/data/a.nii.gz');
    const x = decodeError(structuredClone(encodeError(new XnatNotFoundError('no scan', 404, '/data/x'))));
    expect(x).toBeInstanceOf(XnatNotFoundError);
    expect(decodeError(encodeError(new RangeError('plain')))).toBeInstanceOf(Error);
    expect(decodeError(encodeError('a string')).message).toBe('a string');
  });
});
