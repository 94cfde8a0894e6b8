/*
 * Reads a JSON request body the way System.Text.Json does when ASP.NET Core binds it to a DTO, so that the
 * new handlers refuse bad input with the legacy's exact words: the reader's error messages, the JSON path
 * it blames, and the line and byte position it stopped at. It walks the bytes once, in order, because
 * the order is observable: the first value that cannot be converted to its member's type stops the read,
 * before any syntax error further on.
 *
 * Only what the legacy's DTOs need is modelled: a root object of scalar members. Unknown members are
 * skipped (their syntax still checked); a nested value blames the root member that holds it, as
 * System.Text.Json's skip does.
 */

import { Reader, type ScalarToken } from './utf8-json-reader.ts';
import { ReadError } from './utf8-json-scanner.ts';

export type { ScalarToken };

/** Converts a member's first token, or says it cannot (System.Text.Json's converter throwing). */
export type MemberConverter = (
  token: ScalarToken,
) => { ok: true; value: unknown } | { ok: false; clrType: string };

export type ReadOutcome =
  | { readonly kind: 'empty' }
  | { readonly kind: 'members'; readonly values: ReadonlyMap<string, unknown> }
  | { readonly kind: 'error'; readonly path: string; readonly message: string };

/**
 * @param memberFor maps a JSON member name to the DTO member it binds (case-insensitively) or undefined.
 * @param rootType the DTO's CLR type name, blamed when the body is not an object.
 */
export function readJsonBody(
  body: Buffer,
  rootType: string,
  memberFor: (jsonName: string) => { readonly name: string; readonly convert: MemberConverter } | undefined,
): ReadOutcome {
  const reader = new Reader(body);
  try {
    reader.skipWhitespace();
    if (reader.atEnd()) return { kind: 'empty' };
    const values = new Map<string, unknown>();
    const first = reader.peek();
    if (first !== 0x7b) {
      const token = reader.readToken('$', true);
      // `null` binds no model at all, which ASP.NET reports like an empty body.
      if (token.kind === 'null') return (reader.expectEnd(), { kind: 'empty' });
      throw reader.conversionError(rootType, '$');
    }
    reader.advance();
    reader.readMembers((name, path) => {
      if (name === undefined) throw reader.conversionError(rootType, '$');
      const member = memberFor(name);
      if (member === undefined) return reader.skipValue(path);
      const token = reader.readToken(path);
      const converted = member.convert(token);
      if (!converted.ok) throw reader.conversionError(converted.clrType, path);
      values.set(member.name, converted.value);
    });
    reader.expectEnd();
    return { kind: 'members', values };
  } catch (error: unknown) {
    if (!(error instanceof ReadError)) throw error;
    return { kind: 'error', path: error.path, message: error.message };
  }
}
