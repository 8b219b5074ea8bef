// The class-driven availability table lives in the domain module; re-exported for older imports.
export { type Availability, CLASS_PROFILES, type ClassProfile } from '../domain/classes.js';
