// The machine formats of `chartwright test`, checked by real tools: the JSON report against
// docs/report.schema.json (ajv), JUnit XML against the Jenkins JUnit schema (xmllint, compiled
// to WebAssembly: xmllint-wasm) and SARIF with Microsoft's SARIF validator (the linux binary of
// @microsoft/sarif-multitool).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import type { Report } from '../../src/report/model.js';
import { repoRoot } from './tools.js';

export type { Report };

const reportSchema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'report.schema.json'), 'utf8')) as object;
// ajv is CommonJS: at runtime the default import is the Ajv class (draft-07 by default); the cast
// tells TypeScript (NodeNext sees the module namespace) the same.
const AjvClass = Ajv as unknown as typeof Ajv.default;
export const validateReport = new AjvClass({ allErrors: true, strict: true }).compile(reportSchema);

/** ajv's errors for a report that does not match docs/report.schema.json ([] when it does). */
export function reportSchemaErrors(report: unknown): string[] {
  return validateReport(report) ? [] : (validateReport.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** Parses stdout as the JSON report; throws with the whole output when it is not JSON. */
export function parseJsonReport(result: { exitCode: number; stdout: string; stderr: string }): Report {
  try {
    return JSON.parse(result.stdout) as Report;
  } catch (error) {
    throw new Error(`stdout is not JSON (${(error as Error).message}); exit ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Stand-in for Jenkins' own XSD file: the same constraints, written out (see its header). */
export const JUNIT_XSD = join(repoRoot, 'test', 'fixtures', 'junit', 'jenkins-junit.xsd');

/** xmllint's schema errors for a JUnit file ([] when it is valid). */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: [{ fileName: 'jenkins-junit.xsd', contents: readFileSync(JUNIT_XSD, 'utf8') }],
  });
  return result.valid ? [] : result.errors.map((error) => error.rawMessage);
}

export interface JunitCase {
  name: string;
  classname?: string;
  time?: string;
  failure?: { message?: string; type?: string; text: string };
  skipped?: { message?: string };
  systemOut?: string;
}
export interface JunitSuite {
  attributes: Record<string, string>;
  properties: Record<string, string>;
  cases: JunitCase[];
}
export interface Junit {
  attributes: Record<string, string>;
  suites: JunitSuite[];
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Reads a JUnit file (fast-xml-parser) into suites and cases, attributes and texts decoded. */
export function parseJunit(xml: string): Junit {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text', parseAttributeValue: false, parseTagValue: false, trimValues: false });
  type Node = Record<string, unknown>;
  const root = (parser.parse(xml) as Node).testsuites as Node;
  const attributes = (node: Node) => Object.fromEntries(Object.entries(node).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
  const text = (node: unknown) => (typeof node === 'string' ? node : String((node as Node | undefined)?.['#text'] ?? ''));
  return {
    attributes: attributes(root),
    suites: asArray(root.testsuite as Node | Node[]).map((suite) => ({
      attributes: attributes(suite),
      properties: Object.fromEntries(asArray((suite.properties as Node | undefined)?.property as Node | Node[]).map((property) => [String(property.name), String(property.value)])),
      cases: asArray(suite.testcase as Node | Node[]).map((testcase) => {
        const entry: JunitCase = { name: String(testcase.name), ...(typeof testcase.classname === 'string' ? { classname: testcase.classname } : {}), ...(typeof testcase.time === 'string' ? { time: testcase.time } : {}) };
        const failure = testcase.failure as Node | string | undefined;
        if (failure !== undefined) entry.failure = { ...(typeof failure === 'object' ? attributes(failure) : {}), text: text(failure) };
        const skipped = testcase.skipped as Node | string | undefined;
        if (skipped !== undefined) entry.skipped = typeof skipped === 'object' ? attributes(skipped) : {};
        if (testcase['system-out'] !== undefined) entry.systemOut = text(testcase['system-out']);
        return entry;
      }),
    })),
  };
}

const require = createRequire(import.meta.url);

/** The SARIF Multitool binary, or why it cannot run here (the test then skips, saying so). */
function findSarifMultitool(): { path: string } | { reason: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: `the SARIF Multitool npm binary is for linux x64, this is ${process.platform} ${process.arch}` };
  let path: string;
  try {
    // The package exports the path of its self-contained .NET binary.
    path = require('@microsoft/sarif-multitool-linux') as string;
  } catch (error) {
    return { reason: `@microsoft/sarif-multitool-linux is not installed (${(error as Error).message.split('\n')[0]})` };
  }
  if (!existsSync(path)) return { reason: `${path} is missing` };
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return { reason: `${path} --version failed (${probe.error?.message ?? `exit ${probe.status}: ${(probe.stderr || probe.stdout).trim().split('\n')[0]}`})` };
  return { path };
}

export const sarifMultitool = findSarifMultitool();

/**
 * The SARIF 2.1.0 JSON Schema (draft 2020-12) that ships beside the Multitool binary, applied
 * with ajv: the Multitool checks required properties and its own rules, but lets values outside
 * an enum (a level of "fatal") through.
 */
export function sarifSchemaErrors(sarif: unknown): string[] {
  if (!('path' in sarifMultitool)) throw new Error(`SARIF Multitool unavailable: ${sarifMultitool.reason}`);
  const schema = JSON.parse(readFileSync(join(dirname(sarifMultitool.path), 'sarif-2.1.0.json'), 'utf8')) as object;
  const Ajv2020Class = Ajv2020 as unknown as typeof Ajv2020.default;
  const validate = new Ajv2020Class({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
  return validate(sarif) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

export interface SarifValidation {
  errors: string[];
  warnings: string[];
}

/**
 * `Sarif.Multitool validate` on a SARIF text: its findings read from the SARIF log it writes.
 * Errors are schema violations and rule failures of level error; the rest are warnings.
 */
export async function validateSarif(sarif: string): Promise<SarifValidation> {
  if (!('path' in sarifMultitool)) throw new Error(`SARIF Multitool unavailable: ${sarifMultitool.reason}`);
  const dir = await mkdtemp(join(tmpdir(), 'chartwright-sarif-'));
  try {
    const input = join(dir, 'report.sarif');
    const output = join(dir, 'validation.sarif');
    await writeFile(input, sarif);
    execFileSync(sarifMultitool.path, ['validate', input, '--output', output, '--log', 'ForceOverwrite', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    const log = JSON.parse(await readFile(output, 'utf8')) as {
      runs: { results?: { ruleId: string; level?: string; message: { text?: string; id?: string; arguments?: string[] } }[]; invocations?: { toolExecutionNotifications?: { level?: string; message: { text?: string } }[] }[] }[];
    };
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const run of log.runs) {
      for (const result of run.results ?? []) {
        const text = `${result.ruleId}: ${result.message.text ?? `${result.message.id ?? ''} ${(result.message.arguments ?? []).join(', ')}`}`;
        (result.level === 'error' ? errors : warnings).push(text);
      }
      for (const notification of run.invocations?.flatMap((invocation) => invocation.toolExecutionNotifications ?? []) ?? []) {
        if (notification.level === 'error') errors.push(`tool: ${notification.message.text ?? ''}`);
      }
    }
    return { errors, warnings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
