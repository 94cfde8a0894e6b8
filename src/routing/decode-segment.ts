/*
 * One path segment percent-decoded as Kestrel decodes a request path (its UrlDecoder, run before
 * routing): each escape or run of escapes that spells one valid UTF-8 character is decoded, `%2F` is
 * not (it would become a separator), and anything else (`%zz`, a lone `%`, `%FF`, an overlong or
 * surrogate sequence) stays exactly as sent. So a route value is the one legacy's controller gets,
 * and `%zz` and `%25zz` are the same resource here as they are there.
 */

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

export function decodeSegment(segment: string): string {
  return segment.includes('%') ? segment.replace(ESCAPES, decodeEscapes) : segment;
}

/** A run of `%XX`: one character at a time, each kept as sent when it is not valid UTF-8. */
function decodeEscapes(run: string): string {
  let decoded = '';
  let at = 0;
  while (at < run.length) {
    const lead = parseInt(run.slice(at + 1, at + 3), 16);
    const length = 3 * utf8Length(lead);
    const escape = run.slice(at, at + length);
    const character = lead === 0x2f || length === 0 ? undefined : tryDecode(escape);
    if (character === undefined) {
      decoded += run.slice(at, at + 3);
      at += 3;
    } else {
      decoded += character;
      at += length;
    }
  }
  return decoded;
}

/** Bytes of the UTF-8 sequence a lead byte opens; 0 for a byte that cannot open one. */
function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 0;
}

/** decodeURIComponent refuses what Kestrel refuses: overlong forms, surrogates, past U+10FFFF. */
function tryDecode(escape: string): string | undefined {
  try {
    return decodeURIComponent(escape);
  } catch (error: unknown) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
}
