/**
 * The DICOM attributes the reader copies into `MetaImage.meta`, keyed by their DICOM keyword
 * (as pydicom names them). Tags, keywords and VRs come from PS3.6.
 */

/** One attribute: dicom-parser tag (`xGGGGEEEE`), keyword, VR, and whether it identifies a person. */
export interface DicomAttribute {
  readonly tag: string;
  readonly keyword: string;
  readonly vr: string;
  /** Identifies a person or site: copied only with `pruneMetadata: false`. */
  readonly identifying: boolean;
}

const TABLE: readonly (readonly [string, string, string, boolean?])[] = [
  ['x00020010', 'TransferSyntaxUID', 'UI'],
  ['x00080005', 'SpecificCharacterSet', 'CS'],
  ['x00080008', 'ImageType', 'CS'],
  ['x00080016', 'SOPClassUID', 'UI'],
  ['x00080018', 'SOPInstanceUID', 'UI'],
  ['x00080020', 'StudyDate', 'DA'],
  ['x00080021', 'SeriesDate', 'DA'],
  ['x00080022', 'AcquisitionDate', 'DA'],
  ['x00080023', 'ContentDate', 'DA'],
  ['x00080030', 'StudyTime', 'TM'],
  ['x00080031', 'SeriesTime', 'TM'],
  ['x00080032', 'AcquisitionTime', 'TM'],
  ['x00080033', 'ContentTime', 'TM'],
  ['x00080050', 'AccessionNumber', 'SH'],
  ['x00080060', 'Modality', 'CS'],
  ['x00080070', 'Manufacturer', 'LO'],
  ['x00081030', 'StudyDescription', 'LO'],
  ['x0008103e', 'SeriesDescription', 'LO'],
  ['x00081090', 'ManufacturerModelName', 'LO'],
  ['x00100020', 'PatientID', 'LO'],
  ['x00100040', 'PatientSex', 'CS'],
  ['x00101010', 'PatientAge', 'AS'],
  ['x00101030', 'PatientWeight', 'DS'],
  ['x00101020', 'PatientSize', 'DS'],
  ['x00180015', 'BodyPartExamined', 'CS'],
  ['x00180020', 'ScanningSequence', 'CS'],
  ['x00180021', 'SequenceVariant', 'CS'],
  ['x00180022', 'ScanOptions', 'CS'],
  ['x00180023', 'MRAcquisitionType', 'CS'],
  ['x00180024', 'SequenceName', 'SH'],
  ['x00180050', 'SliceThickness', 'DS'],
  ['x00180060', 'KVP', 'DS'],
  ['x00180080', 'RepetitionTime', 'DS'],
  ['x00180081', 'EchoTime', 'DS'],
  ['x00180082', 'InversionTime', 'DS'],
  ['x00180083', 'NumberOfAverages', 'DS'],
  ['x00180084', 'ImagingFrequency', 'DS'],
  ['x00180085', 'ImagedNucleus', 'SH'],
  ['x00180086', 'EchoNumbers', 'IS'],
  ['x00180087', 'MagneticFieldStrength', 'DS'],
  ['x00180088', 'SpacingBetweenSlices', 'DS'],
  ['x00180091', 'EchoTrainLength', 'IS'],
  ['x00181030', 'ProtocolName', 'LO'],
  ['x00180010', 'ContrastBolusAgent', 'LO'],
  ['x00181210', 'ConvolutionKernel', 'SH'],
  ['x00181314', 'FlipAngle', 'DS'],
  ['x00189087', 'DiffusionBValue', 'FD'],
  ['x00185100', 'PatientPosition', 'CS'],
  ['x0020000d', 'StudyInstanceUID', 'UI'],
  ['x0020000e', 'SeriesInstanceUID', 'UI'],
  ['x00200010', 'StudyID', 'SH'],
  ['x00200011', 'SeriesNumber', 'IS'],
  ['x00200012', 'AcquisitionNumber', 'IS'],
  ['x00200013', 'InstanceNumber', 'IS'],
  ['x00200032', 'ImagePositionPatient', 'DS'],
  ['x00200037', 'ImageOrientationPatient', 'DS'],
  ['x00200052', 'FrameOfReferenceUID', 'UI'],
  ['x00200100', 'TemporalPositionIdentifier', 'IS'],
  ['x00200105', 'NumberOfTemporalPositions', 'IS'],
  ['x00201041', 'SliceLocation', 'DS'],
  ['x00280002', 'SamplesPerPixel', 'US'],
  ['x00280004', 'PhotometricInterpretation', 'CS'],
  ['x00280008', 'NumberOfFrames', 'IS'],
  ['x00280010', 'Rows', 'US'],
  ['x00280011', 'Columns', 'US'],
  ['x00280030', 'PixelSpacing', 'DS'],
  ['x00181164', 'ImagerPixelSpacing', 'DS'],
  ['x00280100', 'BitsAllocated', 'US'],
  ['x00280101', 'BitsStored', 'US'],
  ['x00280102', 'HighBit', 'US'],
  ['x00280103', 'PixelRepresentation', 'US'],
  ['x00280006', 'PlanarConfiguration', 'US'],
  ['x00280120', 'PixelPaddingValue', 'xs'],
  ['x00281050', 'WindowCenter', 'DS'],
  ['x00281051', 'WindowWidth', 'DS'],
  ['x00281052', 'RescaleIntercept', 'DS'],
  ['x00281053', 'RescaleSlope', 'DS'],
  ['x00281054', 'RescaleType', 'LO'],
  ['x00282110', 'LossyImageCompression', 'CS'],
  ['x20500020', 'PresentationLUTShape', 'CS'],
  ['x00541001', 'Units', 'CS'],
  ['x00541102', 'DecayCorrection', 'CS'],
  ['x30040002', 'DoseUnits', 'CS'],
  ['x30040004', 'DoseType', 'CS'],
  ['x3004000e', 'DoseGridScaling', 'DS'],
  ['x3004000c', 'GridFrameOffsetVector', 'DS'],
  ['x00181020', 'SoftwareVersions', 'LO'],
  ['x00081010', 'StationName', 'SH'],
  ['x00541000', 'SeriesType', 'CS'],
  ['x00181063', 'FrameTime', 'DS'],
  ['x00204000', 'ImageComments', 'LT'],
  ['x00100010', 'PatientName', 'PN', true],
  ['x00100030', 'PatientBirthDate', 'DA', true],
  ['x00101000', 'OtherPatientIDs', 'LO', true],
  ['x00080090', 'ReferringPhysicianName', 'PN', true],
  ['x00080080', 'InstitutionName', 'LO', true],
  ['x00080081', 'InstitutionAddress', 'ST', true],
  ['x00081040', 'InstitutionalDepartmentName', 'LO', true],
  ['x00081050', 'PerformingPhysicianName', 'PN', true],
  ['x00081070', 'OperatorsName', 'PN', true],
  ['x00181000', 'DeviceSerialNumber', 'LO', true],
  ['x00081048', 'PhysiciansOfRecord', 'PN', true],
  ['x00101040', 'PatientAddress', 'LO', true],
];

/** The attributes copied into meta, in table order. */
export const META_ATTRIBUTES: readonly DicomAttribute[] = TABLE.map(([tag, keyword, vr, identifying]) => ({
  tag,
  keyword,
  vr,
  identifying: identifying === true,
}));

const BY_TAG = new Map(META_ATTRIBUTES.map((a) => [a.tag, a]));

/** The attribute of a dicom-parser tag (`x00200032`), if it is one we name. */
export function attributeOfTag(tag: string): DicomAttribute | undefined {
  return BY_TAG.get(tag.toLowerCase());
}
