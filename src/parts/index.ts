import type { Answers } from '../answers/field.js';
import { backup } from './backup.js';
import { ingress } from './ingress.js';
import { nats } from './nats.js';
import type { Part } from './part.js';
import { persistence } from './persistence.js';
import { postgresql } from './postgresql.js';
import { redis } from './redis.js';
import { serviceMonitor } from './serviceMonitor.js';

/**
 * Every optional part, in the order their questions are asked (and, within a values section,
 * the order of their values). Adding a part: write its module and templates, list it here, and
 * add its answers type to `Answers` (src/answers/field.ts); a dependency also gets a line in
 * src/domain/dependencies.ts.
 */
export const PARTS: readonly Part[] = [postgresql, redis, nats, ingress, serviceMonitor, persistence, backup];

export const includedParts = (answers: Answers): Part[] => PARTS.filter((part) => part.included(answers));
