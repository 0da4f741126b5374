/** The XNAT stand-in server (`csc-mlops/xnat/testing`): a local XNAT for tests, CI and demos. */
export * from '../stand-in/server.js';
export * from '../stand-in/description.js';
export * from '../stand-in/faults.js';
export { describeFolder, javaDateString, xnatTimestamp } from '../stand-in/archive.js';
export {
  javaHashMapOrder,
  javaStringHash,
  orgJsonQuote,
  orgJsonStringify,
  resultSetJson,
} from '../stand-in/org-json.js';
export { restletErrorPage } from '../stand-in/html.js';
