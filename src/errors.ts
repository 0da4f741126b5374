/**
 * Typed errors. Every error the library raises on bad input is a {@link CscMlopsError}, with a
 * message that says what was wrong and what to do about it.
 *
 * @example
 * try { await loader.apply({ image: 'scan.nii.gz' }); }
 * catch (e) { if (e instanceof ImageReadError) console.error(e.file, e.reason); }
 */
export class CscMlopsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A file could not be read: missing, truncated, corrupt or inconsistent. */
export class ImageReadError extends CscMlopsError {
  /** The file (or folder) being read. */
  readonly file: string;
  /** Why it could not be read, without the file name. */
  readonly reason: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot read ${file}: ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** Valid input in a form we do not support (a transfer syntax, a datatype, a file format). */
export class UnsupportedFormatError extends CscMlopsError {
  /** The file, where one is involved. */
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(file === undefined ? message : `${file}: ${message}`, options);
    this.file = file;
  }
}

/** A transform failed: names the transform, the key (where there is one) and the cause. */
export class TransformError extends CscMlopsError {
  /** Class name of the failing transform. */
  readonly transform: string;
  /** The dictionary key being processed, if any. */
  readonly key: string | undefined;
  constructor(transform: string, key: string | undefined, problem: string, options?: { cause?: unknown }) {
    super(`${transform}${key === undefined ? '' : ` (key '${key}')`}: ${problem}`, options);
    this.transform = transform;
    this.key = key;
  }
}

/**
 * A transform was constructed with an unknown option, a value its option type does not allow, or
 * without a required option. Names the class, the option, and what the option accepts.
 */
export class TransformOptionError extends TransformError {
  /** The option at fault. */
  readonly option: string;
  /** What the option accepts (or, for an unknown option, which options exist). */
  readonly allowed: string;
  constructor(transform: string, option: string, problem: string, allowed: string) {
    super(transform, undefined, `${problem}: ${allowed}`);
    this.option = option;
    this.allowed = allowed;
  }
}

/** A dataset or data loader failed on an item: names the item index and its source. */
export class DatasetError extends CscMlopsError {
  /** Index of the failing item, where one is known. */
  readonly index: number | undefined;
  constructor(message: string, index?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.index = index;
  }
}

/**
 * A request to a server (XNAT, DICOMweb) failed: the HTTP status (0 for network errors), the URL and
 * the server's own message. Catch it for either source; {@link XnatError} and {@link DicomwebError}
 * say which.
 */
export class ServerRequestError extends CscMlopsError {
  /** HTTP status, or 0 when no response came (network error, timeout). */
  readonly status: number;
  /** The URL requested (with patient identifiers redacted where the source hides them). */
  readonly url: string;
  /** The message the server sent with the error, if any. */
  readonly serverMessage: string | undefined;
  constructor(
    message: string,
    status: number,
    url: string,
    serverMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = status;
    this.url = url;
    this.serverMessage = serverMessage;
  }
}

/** An XNAT request failed. Carries the HTTP status (0 for network errors), URL and server message. */
export class XnatError extends ServerRequestError {}

/** XNAT rejected the credentials (401/403 after one re-login). */
export class XnatAuthError extends XnatError {}

/** An XNAT project, subject, experiment, scan or resource does not exist (404). */
export class XnatNotFoundError extends XnatError {}

/**
 * The download cache could not write (disk full, file size limit, no permission). Nothing partial is
 * left in the cache. `code` is the system error code (`ENOSPC`, `EFBIG`, `EDQUOT`, `EACCES`, ...).
 */
export class CacheWriteError extends CscMlopsError {
  /** The file or folder being written. */
  readonly path: string;
  /** The system error code, where there is one. */
  readonly code: string | undefined;
  constructor(message: string, path: string, code: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
    this.code = code;
  }
}

/** A download (a zip entry, a whole zip, a multipart part) is larger than the configured cap: never retried. */
export class DownloadTooLargeError extends CscMlopsError {
  /** The cap in bytes that was exceeded. */
  readonly limit: number;
  constructor(message: string, limit: number, options?: { cause?: unknown }) {
    super(message, options);
    this.limit = limit;
  }
}

/**
 * A DICOMweb request failed. Carries the HTTP status (0 for network errors), the URL (patient
 * identifiers in its query redacted unless the client reveals them) and the server message.
 */
export class DicomwebError extends ServerRequestError {}

/** The DICOMweb server rejected the credentials (401/403). */
export class DicomwebAuthError extends DicomwebError {}

/** A DICOMweb study, series or instance does not exist (404). */
export class DicomwebNotFoundError extends DicomwebError {}

/** An MLflow request failed. `errorCode` is MLflow's `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`). */
export class MlflowError extends CscMlopsError {
  readonly errorCode: string;
  readonly status: number;
  constructor(message: string, errorCode: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.errorCode = errorCode;
    this.status = status;
  }
}

/** A file could not be written (full disk, file size limit, no permission): names the file and the cause. */
export class StorageError extends CscMlopsError {
  /** The file being written. */
  readonly path: string;
  /** The system error code (`ENOSPC`, `EFBIG`, `EACCES`, ...), where there is one. */
  readonly code: string | undefined;
  constructor(path: string, message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
    this.code = code;
  }

  /** Wraps a file-system error raised while writing `path`, with what to do about it. */
  static from(path: string, e: unknown): StorageError {
    if (e instanceof StorageError) return e;
    const code = (e as { code?: string }).code;
    const hint = writeErrorHint(code, 'write elsewhere');
    return new StorageError(path, `cannot write ${path} (${describeError(e)})${hint}`, code, { cause: e });
  }
}

/**
 * What to do about a failed write, from its system error code (` — the disk is full: free some space
 * or <elsewhere>`), or `''` for other errors.
 */
export function writeErrorHint(code: string | undefined, elsewhere: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG')
    return ` — the disk is full (or a file size limit is reached): free some space or ${elsewhere}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return ` — the folder is not writable: ${elsewhere}`;
  return '';
}

/** A configuration value is missing or invalid (config file, environment variable, option). */
export class ConfigError extends CscMlopsError {}

/** Describes any thrown value as text (dicom-parser throws plain strings). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
