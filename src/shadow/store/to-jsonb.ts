/**
 * PostgreSQL's JSON types reject or choke on U+0000 and on unpaired UTF-16 surrogates (jsonb refuses
 * both; json stores them, but no cast to jsonb, as a migration down would do, can read them back), and
 * samples are attacker input: one such escape must not fail a whole batch. JSON.stringify writes a
 * lone surrogate as a `\udXXX` escape (paired ones as the character itself), so both are escapes; they
 * become U+FFFD (an escaped backslash followed by `u0000` is left alone).
 */
export function toJsonb(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value ?? null);
  } catch {
    // Nested too deep to serialise: one sample must not fail the batch it is in.
    text = JSON.stringify('[value not storable]');
  }
  return text.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g, '$1\\ufffd');
}
