// Finding secrets written into env values and ConfigMaps. Two signals, never a third:
//  - the value's shape: a PEM private key, a token with a known prefix, a JWT, a bearer token,
//    credentials inside a URL, or a long high-entropy string;
//  - a name that holds a secret (DB_PASSWORD, client_secret, apiKey) with a literal value that is
//    not a path, a flag, a number, a file or variable reference, or a URL without credentials.
// Names such as REDIS_PASSWORD_FILE, ALLOW_EMPTY_PASSWORD or SECRET_NAME point at a secret or
// configure one; they hold none. Hand-written rather than secretlint: its rules scan files through
// an async plugin pipeline, while this needs a verdict on one string and a dozen patterns.

/** Why a value is taken for a secret. Never the value itself: reports must not repeat secrets. */
export type SecretReason = string;

const TOKEN_SHAPES: readonly { what: string; pattern: RegExp }[] = [
  { what: 'a PEM private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { what: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { what: 'a GitLab token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { what: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: 'an AWS access key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { what: 'a Stripe key', pattern: /\b[rs]k_live_[0-9A-Za-z]{20,}/ },
  { what: 'an npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  { what: 'a bearer token', pattern: /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/ },
];

// scheme://user:password@host, unless the password is a reference filled in at run time.
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/gi;
const REFERENCE = /\$\(|\$\{|\{\{|^\$[A-Za-z_]|^%\(|^<[^>]*>$/;

/** Minimum length and bits per character of a string taken for a random secret. Random base64 of
 * 24 characters averages 4.2 bits; hex digests, UUIDs, Kubernetes names and identifiers stay below
 * 4.0 or fail the character-class test. */
export const ENTROPY_MIN_LENGTH = 24;
export const ENTROPY_MIN_BITS = 4.0;

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Whether one token looks like random key material: long, base64-alphabet, mixed case and digits, high entropy. */
export function looksRandom(token: string): boolean {
  if (token.length < ENTROPY_MIN_LENGTH || !/^[A-Za-z0-9+/=_-]+$/.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || (token.match(/[0-9]/g) ?? []).length < 2) return false;
  return entropy(token.replace(/=+$/, '')) >= ENTROPY_MIN_BITS;
}

/** Text a base64 token decodes to, when it decodes to printable text (to recognise encoded PEM blocks). */
function decodedText(token: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(token) || token.length % 4 !== 0) return undefined;
  const text = Buffer.from(token, 'base64').toString('utf8');
  return /^[\x09\x0a\x0d\x20-\x7e]+$/.test(text) ? text : undefined;
}

/** What in a value's shape says it is a secret, whatever it is called. */
export function secretShape(value: string, { wholeValueEntropy = true } = {}): SecretReason | undefined {
  for (const { what, pattern } of TOKEN_SHAPES) if (pattern.test(value)) return what;
  for (const match of value.matchAll(URL_CREDENTIALS)) {
    if (!REFERENCE.test(match[1] as string)) return 'credentials inside a URL';
  }
  const token = value.trim();
  const decoded = decodedText(token);
  if (decoded !== undefined) {
    const inner = secretShape(decoded, { wholeValueEntropy: false });
    if (inner) return `${inner} (base64-encoded)`;
    // An encoded certificate or public key is public.
    if (/-----BEGIN (?:CERTIFICATE|PUBLIC KEY)|^ssh-[a-z0-9]+ /.test(decoded)) return undefined;
  }
  if (wholeValueEntropy && looksRandom(token)) return `a high-entropy string (${entropy(token).toFixed(1)} bits per character)`;
  return undefined;
}

/** Words of a name: split at _ - . / and lower-to-upper case changes, upper-cased. */
export const nameWords = (name: string): string[] =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toUpperCase());

const SECRET_WORD = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIALS?|APIKEY|PRIVATEKEY)$/;
const SECRET_REFERENCE_QUALIFIERS = new Set(['EXISTING', 'PULL', 'TLS', 'REF']);
const SECRET_KEY_QUALIFIERS = new Set(['API', 'PRIVATE', 'ACCESS', 'SECRET', 'SIGNING', 'ENCRYPTION', 'MASTER', 'LICENSE', 'SESSION', 'AUTH']);

/** Whether a name says its value is a secret: its last word is one (DB_PASSWORD, PGPASSWORD,
 * clientSecret, AWS_SECRET_ACCESS_KEY), not a word that follows one (REDIS_PASSWORD_FILE, SECRET_NAME, TOKEN_TTL). */
export function nameHoldsSecret(name: string): boolean {
  const words = nameWords(name);
  const last = words.at(-1);
  if (!last) return false;
  // EXISTING_SECRET, IMAGE_PULL_SECRET, TLS_SECRET name a Kubernetes Secret; they do not hold one.
  if (last === 'SECRET' && SECRET_REFERENCE_QUALIFIERS.has(words.at(-2) ?? '')) return false;
  if (SECRET_WORD.test(last)) return true;
  return last === 'KEY' && SECRET_KEY_QUALIFIERS.has(words.at(-2) ?? '');
}

const FLAG = /^(true|false|yes|no|on|off|y|n|enabled?|disabled?|null|none|~)$/i;
// Counts, ports, durations and sizes. Six or more bare digits under a secret's name read as a PIN
// or a weak password, not as a setting.
const NUMBER_OR_DURATION = /^[+-]?(\d{1,5}(\.\d+)?|\d+(\.\d+)?(ns|us|ms|s|m|h|d|w|k|Ki|Mi|Gi|Ti|K|M|G|T|kB|KB|MB|GB|%))$/;
const PATH = /^(\/|\.\.?\/|~\/|file:|[A-Za-z]:\\)/;
const URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Why a literal value cannot be a secret even under a secret's name, or undefined when it can. */
export function notASecret(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return 'empty';
  if (FLAG.test(text)) return 'a flag';
  if (NUMBER_OR_DURATION.test(text)) return 'a number';
  if (PATH.test(text)) return 'a path';
  if (REFERENCE.test(text)) return 'a reference';
  if (URL.test(text)) return 'a URL without credentials';
  return undefined;
}

/** Why a named value is a secret written in plain text, or undefined. */
export function secretIn(name: string, value: unknown): SecretReason | undefined {
  if (typeof value !== 'string') return undefined;
  const shape = secretShape(value);
  if (shape) return shape;
  if (nameHoldsSecret(name) && notASecret(value) === undefined) return 'its name says it holds a secret';
  return undefined;
}

// `key: value`, `key = value` and `KEY=value` lines of a configuration file.
const ASSIGNMENT = /^\s*(?:-\s+)?(?:export\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*(.*?)\s*$/;

/** Secrets in a multi-line value (a configuration file in a ConfigMap): by shape, and by assignment to a secret's name. */
export function secretsInFile(text: string): { key?: string; reason: SecretReason }[] {
  const found: { key?: string; reason: SecretReason }[] = [];
  const shape = secretShape(text, { wholeValueEntropy: false });
  if (shape) found.push({ reason: shape });
  for (const line of text.split('\n')) {
    const match = ASSIGNMENT.exec(line);
    if (!match) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    const value = raw.replace(/,$/, '').replace(/^(["'])(.*)\1$/, '$2');
    if (nameHoldsSecret(key) && value !== '' && !/^[|>][-+]?$/.test(value) && notASecret(value) === undefined) {
      found.push({ key, reason: 'its name says it holds a secret' });
    }
  }
  return found;
}
