/**
 * One validation function per answer field. Each takes the raw input (a flag string, a prompt
 * answer or a value from an answers file) and returns the normalised value or the rule it broke.
 * Prompts, flags and answers files all go through these, so the rules cannot drift apart.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; rule: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(rule: string): Checked<T> => ({ ok: false, rule });

// The class and dependency vocabularies live in the domain module; re-exported for the checks here.
import { DEPENDENCY_NAMES, type DependencyName } from '../domain/dependencies.js';
import { SAFETY_CLASSES, type SafetyClass } from '../domain/classes.js';
import { ValidationError } from '../errors.js';

export { DEPENDENCY_NAMES, SAFETY_CLASSES, type DependencyName, type SafetyClass };

export const PROVIDERS = ['in-cluster', 'external'] as const;
export type Provider = (typeof PROVIDERS)[number];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Helm rewrites Chart.yaml texts when it loads a chart: every space character (tab, newline,
// no-break space, ...) becomes a plain space and every non-printable one (zero-width and
// direction marks, soft hyphen, controls, private use) is dropped. Only what it keeps is allowed,
// so the chart says exactly what was typed: letters, marks, digits, punctuation, symbols, space.
const NOT_KEPT_BY_HELM = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

// Words YAML 1.1 (which Helm reads) takes for booleans or null when unquoted: a chart name like
// `yes` would reach label values as `true`.
const YAML_WORDS = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);
const yamlWordRule = (what: string) => `must not be ${what} YAML reads as a boolean or null (y, n, yes, no, true, false, on, off, null)`;

function asString(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

/** A one-line text Helm keeps byte for byte in Chart.yaml (see NOT_KEPT_BY_HELM). */
function checkText(raw: unknown, maxLength: number): Checked<string> {
  const text = asString(raw);
  if (text === undefined) return fail('must be a string');
  if (text.trim() === '') return fail('must not be empty');
  if (LONE_SURROGATE.test(text)) return fail('must be valid Unicode text');
  if (/[\r\n]/.test(text)) return fail('must be a single line (Helm turns line breaks into spaces)');
  if (/\t/.test(text)) return fail('must not contain tabs (Helm turns them into spaces)');
  const hidden = NOT_KEPT_BY_HELM.exec(text);
  if (hidden) {
    const code = `U+${(hidden[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return fail(`must contain only visible characters and plain spaces; ${code} is invisible or a special space, which Helm drops or rewrites`);
  }
  if ([...text].length > maxLength) return fail(`must be at most ${maxLength} characters`);
  return ok(text);
}

/** A Helm release and chart name: a DNS-1123 label short enough for Helm's 53-character limit. */
export function checkName(raw: unknown): Checked<string> {
  const name = asString(raw);
  if (name === undefined || name === '') return fail('must not be empty');
  if (name.length > 53) return fail('must be at most 53 characters (Helm release name limit)');
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return fail(
      "must be a DNS-1123 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
    );
  }
  if (YAML_WORDS.has(name)) return fail(yamlWordRule('a word'));
  return ok(name);
}

export function checkDescription(raw: unknown): Checked<string> {
  return checkText(raw, 1000);
}

export function checkSafetyClass(raw: unknown): Checked<SafetyClass> {
  const text = asString(raw)?.trim().toUpperCase();
  return SAFETY_CLASSES.includes(text as SafetyClass)
    ? ok(text as SafetyClass)
    : fail('must be one of A, B, C (IEC 62304 software safety class)');
}

export interface ImageRef {
  repository: string;
  tag: string;
  digest: string;
}

const IMAGE_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REGISTRY = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)';
const IMAGE_REF = new RegExp(
  `^(${IMAGE_REGISTRY}?${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

/** A container image reference with an explicit tag that is not `latest` (digest optional). */
export function checkImage(raw: unknown): Checked<ImageRef> {
  const text = asString(raw)?.trim();
  if (!text) return fail('must not be empty');
  const match = IMAGE_REF.exec(text);
  if (!match) return fail('must be an image reference like registry.example.com/team/app:1.2.3');
  const [, repository = '', tag, digest = ''] = match;
  if (!tag) return fail('must carry an explicit tag (repository:tag); untagged images resolve to latest');
  if (tag === 'latest') return fail('must not use the tag "latest"; pin a version so installs are reproducible');
  return ok({ repository, tag, digest });
}

/** The container port: unprivileged, because the container runs as a non-root user. */
export function checkPort(raw: unknown): Checked<number> {
  const text = asString(raw)?.trim() ?? '';
  if (!/^\d+$/.test(text)) return fail('must be a whole number between 1024 and 65535');
  const port = Number(text);
  if (port < 1024 || port > 65535) {
    return fail('must be between 1024 and 65535 (ports below 1024 need root; the container runs as non-root)');
  }
  return ok(port);
}

export function checkDependencies(raw: unknown): Checked<DependencyName[]> {
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string') items = raw.split(',').map((part) => part.trim()).filter(Boolean);
  else return fail(`must be a list of: ${DEPENDENCY_NAMES.join(', ')} (or "none")`);
  if (items.length === 1 && asString(items[0])?.trim().toLowerCase() === 'none') items = [];
  const chosen = new Set<DependencyName>();
  for (const item of items) {
    const name = asString(item)?.trim().toLowerCase();
    if (!DEPENDENCY_NAMES.includes(name as DependencyName)) {
      return fail(`each must be one of: ${DEPENDENCY_NAMES.join(', ')} (or "none")`);
    }
    chosen.add(name as DependencyName);
  }
  // Catalogue order, so the same choice always yields the same chart.
  return ok(DEPENDENCY_NAMES.filter((name) => chosen.has(name)));
}

/** One of a fixed list of words (case-insensitive). */
export function checkOneOf<T extends string>(choices: readonly T[]): (raw: unknown) => Checked<T> {
  return (raw) => {
    const text = asString(raw)?.trim().toLowerCase();
    return choices.includes(text as T) ? ok(text as T) : fail(`must be one of: ${choices.join(', ')}`);
  };
}

export const checkProvider = checkOneOf(PROVIDERS);

export function checkBoolean(raw: unknown): Checked<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  const text = asString(raw)?.trim().toLowerCase();
  if (text === 'true' || text === 'yes' || text === 'y') return ok(true);
  if (text === 'false' || text === 'no' || text === 'n') return ok(false);
  return fail('must be true or false');
}

/** What a person types at a yes/no prompt: y, yes, n or no; anything else is asked again. */
export function checkYesNo(raw: unknown): Checked<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  const text = asString(raw)?.trim().toLowerCase();
  if (text === 'y' || text === 'yes') return ok(true);
  if (text === 'n' || text === 'no') return ok(false);
  return fail('answer y (yes) or n (no)');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A Kubernetes namespace name: a DNS-1123 label that YAML reads as a string. */
export function checkNamespace(raw: unknown): Checked<string> {
  const name = asString(raw)?.trim() ?? '';
  if (name === '') return fail('must not be empty');
  if (!DNS_LABEL.test(name)) return fail("must be a namespace name: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
  if (YAML_WORDS.has(name)) return fail(yamlWordRule('a word'));
  return ok(name);
}

/** A Kubernetes object name (DNS-1123 subdomain), e.g. an IngressClass or a cert-manager ClusterIssuer. */
export function checkObjectName(raw: unknown): Checked<string> {
  const name = asString(raw)?.trim() ?? '';
  if (name === '') return fail('must not be empty');
  if (name.length > 253 || !name.split('.').every((label) => DNS_LABEL.test(label))) {
    return fail("must be a Kubernetes name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
  }
  if (YAML_WORDS.has(name)) return fail(yamlWordRule('a word'));
  return ok(name);
}

/** An IngressClass name, or empty for the cluster's default IngressClass. */
export function checkIngressClass(raw: unknown): Checked<string> {
  const name = asString(raw)?.trim() ?? '';
  return name === '' ? ok('') : checkObjectName(name);
}

/** A DNS-1123 subdomain (optionally a leading `*.` wildcard), as Ingress hosts require. */
export function checkHost(raw: unknown): Checked<string> {
  const host = asString(raw)?.trim() ?? '';
  if (host === '') return fail('must not be empty');
  if (host.length > 253) return fail('must be at most 253 characters');
  const labels = host.startsWith('*.') ? host.slice(2).split('.') : host.split('.');
  if (labels.length < 2 || !labels.every((part) => DNS_LABEL.test(part))) {
    return fail("must be a lowercase DNS name like app.example.com (labels of letters, digits and '-')");
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return fail('must be a DNS name, not an IP address');
  return ok(host);
}

export function checkMaintainerName(raw: unknown): Checked<string> {
  return checkText(raw, 100);
}

// Deliberately stricter than RFC 5322: Helm lint validates maintainer emails, and an address
// that needs quoting would fail there.
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function checkEmail(raw: unknown): Checked<string> {
  const email = asString(raw)?.trim() ?? '';
  if (email === '') return fail('must not be empty');
  if (email.length > 254) return fail('must be at most 254 characters');
  if (!EMAIL.test(email)) return fail('must be an email address like team@example.com');
  // Helm lint refuses a numeric top-level domain (and so an IP address) in maintainer emails.
  if (!/\.[A-Za-z]{2,63}$/.test(email)) return fail('must end in an alphabetic top-level domain, like team@example.com');
  return ok(email);
}

/** --date of `bump` and `test --evidence`: the day a record is dated, as YAML and people read it. */
export function checkDate(raw: string): string {
  const date = new Date(`${raw}T00:00:00Z`);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(raw);
  if (!valid) throw new ValidationError('--date', raw, 'must be a calendar date YYYY-MM-DD');
  return raw;
}
