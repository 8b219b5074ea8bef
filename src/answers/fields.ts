import { CLASS_INFO, classTurnsOn, SAFETY_CLASSES } from '../domain/classes.js';
import { DEPENDENCIES } from '../domain/dependencies.js';
import { PARTS } from '../parts/index.js';
import { type Answers, field, type Field } from './field.js';
import {
  checkDependencies,
  checkDescription,
  checkEmail,
  checkImage,
  checkMaintainerName,
  checkName,
  checkPort,
  checkSafetyClass,
} from './validate.js';

export type { AnswerKey, Answers, Choice, CoreAnswers, Field, PromptSpec } from './field.js';

const HEAD: Field[] = [
  field({
    key: 'name',
    flag: 'name',
    argName: 'name',
    label: 'App name',
    help: 'chart and app name (DNS-1123 label, at most 53 characters)',
    prompt: { type: 'input', message: 'App name' },
    check: checkName,
    defaultValue: () => 'my-service',
  }),
  field({
    key: 'description',
    flag: 'description',
    argName: 'text',
    label: 'Description',
    help: 'description of the service (Chart.yaml; one line)',
    prompt: { type: 'input', message: 'Description' },
    check: checkDescription,
    defaultValue: (sofar) => `A Helm chart for ${sofar.name ?? 'my-service'}`,
  }),
  field({
    key: 'safetyClass',
    flag: 'class',
    argName: 'A|B|C',
    label: 'IEC 62304 class',
    help: 'IEC 62304 software safety class; unclassified software is treated as C (default)',
    prompt: {
      type: 'select',
      message: 'IEC 62304 software safety class',
      choices: SAFETY_CLASSES.map((safetyClass) => ({
        value: safetyClass,
        name: `${safetyClass}: ${CLASS_INFO[safetyClass].meaning}`,
        description: `turns on: ${classTurnsOn(safetyClass)}`,
      })),
    },
    check: checkSafetyClass,
    // IEC 62304 4.3: software is class C until it has been classified otherwise.
    defaultValue: () => 'C',
    show: (safetyClass) => `${safetyClass} (${CLASS_INFO[safetyClass].meaning})`,
  }),
  field({
    key: 'image',
    flag: 'image',
    argName: 'repository:tag',
    label: 'Image',
    help: 'container image with a pinned tag (optionally @sha256 digest); never latest',
    prompt: { type: 'input', message: 'Container image (repository:tag)' },
    check: checkImage,
    defaultValue: (sofar) => ({
      repository: `registry.example.com/${sofar.name ?? 'my-service'}`,
      tag: '0.1.0',
      digest: '',
    }),
    show: (image) => `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`,
  }),
  field({
    key: 'port',
    flag: 'port',
    argName: 'number',
    label: 'Container port',
    help: 'container port the app listens on (1024-65535)',
    prompt: { type: 'input', message: 'Container port' },
    check: checkPort,
    defaultValue: () => 8080,
    show: String,
  }),
  field({
    key: 'dependencies',
    flag: 'dependencies',
    argName: 'list',
    label: 'Dependencies',
    help: `comma-separated dependencies: ${DEPENDENCIES.map((dependency) => dependency.name).join(', ')}, or none`,
    prompt: {
      type: 'checkbox',
      message: 'Dependencies',
      choices: DEPENDENCIES.map((dependency) => ({ value: dependency.name, name: dependency.title, description: dependency.summary })),
    },
    check: checkDependencies,
    defaultValue: () => [],
    show: (list) => (list.length ? list.join(',') : 'none'),
  }),
];

const TAIL: Field[] = [
  field({
    key: 'maintainerName',
    flag: 'maintainer-name',
    argName: 'name',
    label: 'Maintainer',
    help: 'maintainer name for Chart.yaml (one line)',
    prompt: { type: 'input', message: 'Maintainer name' },
    check: checkMaintainerName,
    defaultValue: () => 'Platform Team',
  }),
  field({
    key: 'maintainerEmail',
    flag: 'maintainer-email',
    argName: 'email',
    label: 'Maintainer email',
    help: 'maintainer email for Chart.yaml',
    prompt: { type: 'input', message: 'Maintainer email' },
    check: checkEmail,
    defaultValue: () => 'platform@example.com',
  }),
];

// Order matters: prompts are asked in this order and later fields may depend on earlier ones.
export const FIELDS: Field[] = [...HEAD, ...PARTS.flatMap((part) => part.fields), ...TAIL];

export function fieldByKey(key: string): Field | undefined {
  return FIELDS.find((candidate) => candidate.key === key);
}

/** Answers in field order, e.g. for `.chartwright.yaml`, so the same answers give the same bytes. */
export function orderedAnswers(answers: Answers): Answers {
  return Object.fromEntries(FIELDS.map((candidate) => [candidate.key, answers[candidate.key]])) as unknown as Answers;
}
