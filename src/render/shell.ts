const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** A word as a POSIX shell reads it back: unchanged when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
