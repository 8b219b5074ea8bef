/**
 * YAML read exactly as helm and Kubernetes read rendered manifests: sigs.k8s.io/yaml, which
 * decodes with go-yaml v2 (YAML 1.1 scalars) and converts the result to JSON. js-yaml does the
 * parsing (it is several times faster than `yaml`, and this runs for every render); the schema
 * below replaces its YAML 1.2 scalar resolution with go-yaml v2's (resolve.go), and a pass after
 * loading applies sigs.k8s.io/yaml's conversion: map keys as strings the way Go formats them, merge
 * keys the way go-yaml v2 merges, and no value that JSON cannot hold.
 */
import { FAILSAFE_SCHEMA, loadAll, Type, YAMLException } from 'js-yaml';

/** `1e6:` as a key is "1e+06" in Go: floats keep their value and know their Go key form. */
class GoFloat extends Number {
  override toString(): string {
    return goFloatKey(this.valueOf());
  }
}

/** An integer beyond 2^53 keeps its exact decimal form for keys. */
class GoBigInteger extends Number {
  constructor(private readonly decimal: string) {
    super(Number(decimal));
  }
  override toString(): string {
    return this.decimal;
  }
}

// sigs.k8s.io/yaml refuses a null map key; the sentinel lets the pass after loading find one.
const NULL_KEY = '\u0000null-key';
const NULL_VALUE = new String(NULL_KEY);

type Resolved = { tag: 'null' | 'bool' | 'int' | 'float'; value: unknown } | undefined;

const BOOLEANS = new Map<string, boolean>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((word) => [word, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((word) => [word, false] as const),
]);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((word) => [word, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((word) => [word, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((word) => [word, Number.NEGATIVE_INFINITY] as const),
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Go's strconv.ParseInt(text, 0, 64), then ParseUint: the integer, or undefined. */
function parseGoInteger(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, digits] = match as unknown as [string, string, string];
  const prefix = digits.slice(0, 2).toLowerCase();
  let magnitude: bigint;
  if (prefix === '0x' || prefix === '0b' || prefix === '0o') magnitude = BigInt(`0${prefix[1]}${digits.slice(2)}`);
  else if (digits.length > 1 && digits.startsWith('0')) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  const value = sign === '-' ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  // ParseUint takes no sign.
  return sign === '' && value <= UINT64_MAX ? value : undefined;
}

function integerValue(value: bigint): unknown {
  return value > SAFE || value < -SAFE ? new GoBigInteger(value.toString()) : Number(value);
}

/** go-yaml v2's resolve() for an untagged plain scalar; undefined means a string. */
export function resolvePlainScalar(text: string): Resolved {
  if (NULLS.has(text)) return { tag: 'null', value: null };
  const boolean = BOOLEANS.get(text);
  if (boolean !== undefined) return { tag: 'bool', value: boolean };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { tag: 'float', value: new GoFloat(special) };
  const first = text[0] as string;
  if (first === '.') {
    // strconv.ParseFloat of the text as written: Go float syntax, underscores only between digits.
    if (/^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/.test(text)) {
      const value = Number(text.replace(/_/g, ''));
      if (Number.isFinite(value)) return { tag: 'float', value: new GoFloat(value) };
    }
    return undefined;
  }
  if (!/[0-9+-]/.test(first)) return undefined;
  // Timestamps stay strings when decoded into interface{} (go-yaml v2's compatibility rule).
  const plain = text.replace(/_/g, '');
  const integer = parseGoInteger(plain);
  if (integer !== undefined) return { tag: 'int', value: integerValue(integer) };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = Number(plain);
    // ParseFloat fails on overflow: the text stays a string.
    if (Number.isFinite(value)) return { tag: 'float', value: new GoFloat(value) };
  }
  return undefined;
}

/** strconv.FormatFloat(value, 'g', -1, 32), as sigs.k8s.io/yaml names a float map key. */
export function goFloatKey(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Number.POSITIVE_INFINITY) return '.inf';
  if (value === Number.NEGATIVE_INFINITY) return '-.inf';
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return single > 0 ? '.inf' : '-.inf';
  if (single === 0) return Object.is(single, -0) ? '-0' : '0';
  // The shortest digits that read back as the same float32.
  let exponential = single.toExponential(0);
  for (let digits = 1; digits <= 9; digits++) {
    exponential = single.toExponential(digits - 1);
    if (Math.fround(Number(exponential)) === single) break;
  }
  const [mantissa, exponentText] = exponential.split('e') as [string, string];
  const negative = mantissa.startsWith('-');
  const significant = mantissa.replace(/^-/, '').replace('.', '').replace(/0+$/, '') || '0';
  const exponent = Number(exponentText);
  let body: string;
  if (exponent < -4 || exponent >= 6) {
    const fraction = significant.slice(1);
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    body = `${significant[0]}${fraction ? `.${fraction}` : ''}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  } else if (exponent < 0) {
    body = `0.${'0'.repeat(-exponent - 1)}${significant}`;
  } else {
    const whole = significant.padEnd(exponent + 1, '0');
    const fraction = significant.slice(exponent + 1);
    body = `${whole.slice(0, exponent + 1)}${fraction ? `.${fraction}` : ''}`;
  }
  return negative ? `-${body}` : body;
}

// js-yaml asks resolve() then construct() for the same text: resolve once.
let lastText: string | undefined;
let lastResolved: Resolved;
function resolvedOnce(text: string): Resolved {
  if (text !== lastText) {
    lastText = text;
    lastResolved = resolvePlainScalar(text);
  }
  return lastResolved;
}

const scalarType = (tag: 'null' | 'bool' | 'int' | 'float') =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (text: string | null) => {
      const resolved = resolvedOnce(text ?? '');
      // An explicit !!float also takes an integer (go-yaml v2 converts it).
      return resolved?.tag === tag || (tag === 'float' && resolved?.tag === 'int');
    },
    construct: (text: string | null) => {
      const value = (resolvedOnce(text ?? '') as NonNullable<Resolved>).value;
      if (tag === 'null') return NULL_VALUE;
      if (tag === 'float' && !(value instanceof GoFloat)) return new GoFloat(Number(value));
      return value;
    },
  });

// Tags go-yaml v2 does not resolve leave a scalar as its text and a collection as it is.
const anyTag = (prefix: string) =>
  (['scalar', 'sequence', 'mapping'] as const).map(
    (kind) => new Type(prefix, { kind, multi: true, construct: (data: unknown) => data ?? (kind === 'scalar' ? '' : kind === 'sequence' ? [] : {}) }),
  );

const KUBERNETES_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [scalarType('null'), scalarType('bool'), scalarType('int'), scalarType('float')],
  explicit: [
    new Type('tag:yaml.org,2002:binary', {
      kind: 'scalar',
      resolve: (text: string | null) => /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text ?? ''),
      construct: (text: string | null) => Buffer.from((text ?? '').replace(/\s/g, ''), 'base64').toString('utf8'),
    }),
    new Type('tag:yaml.org,2002:timestamp', { kind: 'scalar', construct: (text: string | null) => text ?? '' }),
    ...anyTag('!'),
    ...anyTag('tag:'),
  ],
});

/** Where a document holds something sigs.k8s.io/yaml refuses to convert. */
export interface ConversionProblem {
  path: string;
  message: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Number) && !(value instanceof String);

/** The JSON value sigs.k8s.io/yaml would produce, and what it would refuse. */
function toKubernetesJson(value: unknown, path: string, problems: ConversionProblem[]): unknown {
  if (value === NULL_VALUE || value === null || value === undefined) return null;
  if (value instanceof Number) {
    const number = value.valueOf();
    if (!Number.isFinite(number)) problems.push({ path, message: `${goFloatKey(number)} is not a JSON number (kubectl and helm refuse it)` });
    return number;
  }
  if (Array.isArray(value)) return value.map((item, index) => toKubernetesJson(item, `${path}[${index}]`, problems));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key === NULL_KEY) {
      problems.push({ path: path || '(document)', message: 'a map key is null (kubectl and helm refuse it)' });
      continue;
    }
    if (key === '[object Object]') {
      problems.push({ path: path || '(document)', message: 'a map key is a mapping (kubectl and helm refuse it)' });
      continue;
    }
    if (key === '<<' && (isPlainObject(child) || Array.isArray(child))) {
      // go-yaml v2 decodes merged maps into the map at the point of `<<`: they replace keys
      // written before it, later keys replace theirs, and of several merged maps the first wins.
      const sources = (Array.isArray(child) ? [...child].reverse() : [child]).filter(isPlainObject);
      for (const source of sources) {
        const merged = toKubernetesJson(source, path, problems) as Record<string, unknown>;
        for (const [mergedKey, mergedValue] of Object.entries(merged)) out[mergedKey] = mergedValue;
      }
      continue;
    }
    // A key named __proto__ is data here (as in Go), not the object's prototype.
    Object.defineProperty(out, key, { value: toKubernetesJson(child, childPath, problems), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export interface KubernetesDocument {
  value: unknown;
  problems: ConversionProblem[];
}

export interface KubernetesYaml {
  documents: KubernetesDocument[];
  /**
   * A key repeated in one mapping: go-yaml v2 (not strict) keeps the last value, and so do helm and
   * kubectl, so the documents hold that; the first repetition is reported, since a value is lost.
   */
  duplicateKey?: { line: number };
}

const isDuplicateKey = (error: unknown): error is YAMLException => error instanceof YAMLException && error.reason === 'duplicated mapping key';

/** Every document of a YAML stream, as helm and kubectl would send it to the API server. */
export function loadKubernetesYaml(text: string): KubernetesYaml {
  let loaded: unknown[];
  let duplicateKey: KubernetesYaml['duplicateKey'];
  try {
    loaded = loadAll(text, undefined, { schema: KUBERNETES_SCHEMA });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    duplicateKey = { line: error.mark.line + 1 };
    // json: a repeated key replaces the earlier one, as in go-yaml v2.
    loaded = loadAll(text, undefined, { schema: KUBERNETES_SCHEMA, json: true });
  }
  const documents = loaded.map((document) => {
    const problems: ConversionProblem[] = [];
    return { value: toKubernetesJson(document, '', problems), problems };
  });
  return { documents, ...(duplicateKey ? { duplicateKey } : {}) };
}
