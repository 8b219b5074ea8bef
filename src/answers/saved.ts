// The answers file is one of chartwright's records: src/records/ owns it. Re-exported here so
// code written against this path keeps building; new code imports from src/records/.
export { ANSWERS_FILE, readSavedAnswers, type SavedAnswers } from '../records/answersFile.js';
