// What chartwright keeps inside a chart, in one place below the planner: the answers file
// (.chartwright.yaml), the base snapshot regenerate merges against (.chartwright/base/) and the
// release record bump compares against (.chartwright/release.yaml).
export { ANSWERS_FILE, readSavedAnswers, type SavedAnswers } from './answersFile.js';
export { BASE_DIR, baseOfPlan, generatedPart, readBaseSnapshot, RECORDS_DIR, withBaseSnapshot } from './baseSnapshot.js';
export { lastReleaseRecord } from './lastRelease.js';
export {
  parseRecord,
  recordOf,
  type ReleaseRecord,
  RELEASE_RECORD,
  serialiseRecord,
  type Shape,
  shapeOf,
  templateFiles,
  typeName,
} from './releaseRecord.js';
