/**
 * One validation function per answer field. Each takes the raw input (a flag string, a prompt
 * answer or a value from an answers file) and returns the normalised value or the rule it broke.
 * Prompts, flags and answers files all go through these, so the rules cannot drift apart.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; rule: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(rule: string): Checked<T> => ({ ok: false, rule });

export const SAFETY_CLASSES = ['A', 'B', 'C'] as const;
export type SafetyClass = (typeof SAFETY_CLASSES)[number];

export const DEPENDENCY_NAMES = ['postgresql', 'redis'] as const;
export type DependencyName = (typeof DEPENDENCY_NAMES)[number];

export const PROVIDERS = ['in-cluster', 'external'] as const;
export type Provider = (typeof PROVIDERS)[number];

// C0/C1 controls (other than tab and newline), DEL, and lone surrogates cannot be carried
// faithfully through every file we write (YAML, Markdown, terminal output).
// U+FFFE and U+FFFF are not characters at all; Helm's YAML parser refuses them.
const FORBIDDEN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function asString(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

function checkText(raw: unknown, maxLength: number, allowNewlines: boolean): Checked<string> {
  const text = asString(raw);
  if (text === undefined) return fail('must be a string');
  if (text.trim() === '') return fail('must not be empty');
  if (LONE_SURROGATE.test(text)) return fail('must be valid Unicode text');
  if (!allowNewlines && /[\r\n\t]/.test(text)) return fail('must be a single line');
  if (/\r/.test(text)) return fail('must use \\n line endings, not \\r');
  if (FORBIDDEN_TEXT.test(text)) return fail('must not contain control characters');
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
  return ok(name);
}

export function checkDescription(raw: unknown): Checked<string> {
  return checkText(raw, 1000, true);
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

export function checkProvider(raw: unknown): Checked<Provider> {
  const text = asString(raw)?.trim().toLowerCase();
  return PROVIDERS.includes(text as Provider) ? ok(text as Provider) : fail(`must be one of: ${PROVIDERS.join(', ')}`);
}

export function checkBoolean(raw: unknown): Checked<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  const text = asString(raw)?.trim().toLowerCase();
  if (text === 'true' || text === 'yes' || text === 'y') return ok(true);
  if (text === 'false' || text === 'no' || text === 'n') return ok(false);
  return fail('must be true or false');
}

/** A DNS-1123 subdomain (optionally a leading `*.` wildcard), as Ingress hosts require. */
export function checkHost(raw: unknown): Checked<string> {
  const host = asString(raw)?.trim() ?? '';
  if (host === '') return fail('must not be empty');
  if (host.length > 253) return fail('must be at most 253 characters');
  const labels = host.startsWith('*.') ? host.slice(2).split('.') : host.split('.');
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (labels.length < 2 || !labels.every((part) => label.test(part))) {
    return fail("must be a lowercase DNS name like app.example.com (labels of letters, digits and '-')");
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return fail('must be a DNS name, not an IP address');
  return ok(host);
}

export function checkMaintainerName(raw: unknown): Checked<string> {
  return checkText(raw, 100, false);
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
