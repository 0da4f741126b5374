/** The XNAT stand-in server (`csc-mlops/xnat/testing`): a local XNAT for tests, CI and demos. */
export {
  XnatStandIn,
  type StandInRequestRecord,
  type StandInStats,
  type XnatStandInOptions,
} from '../stand-in/server.js';
export {
  type StandInDescription,
  type StandInExperimentSpec,
  type StandInFileSpec,
  type StandInMetaSpec,
  type StandInProjectSpec,
  type StandInResourceSpec,
  type StandInScanSpec,
  type StandInSubjectSpec,
} from '../stand-in/description.js';
export { FaultSet, type StandInFault, type StandInFaultHandle } from '../stand-in/faults.js';
export {
  type Archive,
  type ArchiveExperiment,
  type ArchiveFile,
  type ArchiveProject,
  type ArchiveResource,
  type ArchiveScan,
  type ArchiveSubject,
  type ItemMeta,
} from '../stand-in/archive.js';
