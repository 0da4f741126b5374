/** Zip checking and extraction for XNAT scan downloads: shared with the other sources in src/download/. */
export {
  DEFAULT_ZIP_LIMITS,
  ZipCorruptError,
  ZipUnsafeEntryError,
  type ZipLimits,
  extractZip,
  safeEntryPath,
} from '../download/zip-extract.js';
