import { Utf8JsonScanner, type StringToken } from './utf8-json-scanner.ts';

/*
 * A byte-at-a-time JSON reader with System.Text.Json's Utf8JsonReader's refusals, over the scanner's
 * scalars and positions. It reads only as far as json-body-reader.ts asks: one member's first token, or
 * a whole value to skip.
 */

/**
 * The first token of a value: a whole scalar, or the opening bracket of an object or array. A string's
 * value is undefined when .NET could not transcode it (see StringToken).
 */
export type ScalarToken =
  | { readonly kind: 'string'; readonly value: string | undefined }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'true' | 'false' | 'null' }
  | { readonly kind: 'object' | 'array' };

export class Reader extends Utf8JsonScanner {
  /**
   * `{` already consumed: each member's name, then `onMember` reads or skips its value. A name with a
   * lone surrogate comes as undefined: unescaped for the lookup, it cannot be transcoded.
   */
  readMembers(onMember: (name: string | undefined, path: string) => void): void {
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(OPEN_AT_END, '$');
    if (this.peek() === 0x7d) return this.advance();
    for (;;) {
      const name = this.readPropertyName();
      onMember(name.loneSurrogate ? undefined : name.text, `$.${name.text}`);
      if (this.afterValueInContainer(0x7d, '$')) return;
      this.afterComma(0x7d, '$');
    }
  }

  /** After a comma: more must follow, and not the closing bracket. End of data is blamed on the comma. */
  private afterComma(close: number, path: string): void {
    const comma = this.pos - 1;
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(END_INSTEAD_OF_PROPERTY, path, comma);
    if (this.peek() === close) {
      throw this.fail(close === 0x7d ? TRAILING_COMMA_OBJECT : TRAILING_COMMA_ARRAY, path);
    }
  }

  /** A member name and its colon; `path` is what an error blames (the root, or the skipped member). */
  private readPropertyName(path = '$'): StringToken {
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(END_INSTEAD_OF_PROPERTY, path);
    if (this.peek() !== 0x22) {
      throw this.fail(
        `'${this.charAt(this.pos)}' is an invalid start of a property name. Expected a '"'.`,
        path,
      );
    }
    const name = this.readString(path);
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(VALUE_AT_END, path);
    if (this.peek() !== 0x3a) {
      throw this.fail(`'${this.charAt(this.pos)}' is invalid after a property name. Expected a ':'.`, path);
    }
    this.advance();
    return name;
  }

  /** After a value inside an object or array: true at its closing bracket, false after a comma. */
  private afterValueInContainer(close: number, path: string): boolean {
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(OPEN_AT_END, path);
    const c = this.peek() as number;
    this.advance();
    if (c === close) return true;
    if (c === 0x2c) return false;
    if (c === 0x7d || c === 0x5d)
      throw this.fail(
        `'${this.charAt(this.pos - 1)}' is invalid without a matching open.`,
        path,
        this.pos - 1,
      );
    throw this.fail(
      `'${this.charAt(this.pos - 1)}' is invalid after a value. Expected either ',', '}', or ']'.`,
      path,
      this.pos - 1,
    );
  }

  /** The first token of a value: a whole scalar, or just the opening bracket of an object or array. */
  readToken(path: string, atRoot = false): ScalarToken {
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(OPEN_AT_END, path);
    const c = this.peek() as number;
    if (c === 0x7b || c === 0x5b) {
      this.advance();
      return { kind: c === 0x7b ? 'object' : 'array' };
    }
    if (c === 0x22) {
      const string = this.readString(path);
      const transcodes = !string.invalidUtf8 && !string.loneSurrogate;
      return { kind: 'string', value: transcodes ? string.text : undefined };
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39))
      return { kind: 'number', text: this.readNumber(path, atRoot) };
    for (const literal of ['true', 'false', 'null'] as const) {
      if (c === literal.charCodeAt(0)) return (this.readLiteral(literal, path), { kind: literal });
    }
    throw this.fail(`'${this.charAt(this.pos)}' is an invalid start of a value.`, path);
  }

  skipValue(path: string): void {
    const token = this.readToken(path);
    if (token.kind === 'object') this.skipContainer(0x7d, path);
    if (token.kind === 'array') this.skipContainer(0x5d, path);
  }

  private skipContainer(close: number, path: string): void {
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(OPEN_AT_END, path);
    if (this.peek() === close) return this.advance();
    for (;;) {
      if (close === 0x7d) this.readPropertyName(path);
      this.skipValue(path);
      if (this.afterValueInContainer(close, path)) return;
      this.afterComma(close, path);
    }
  }

  expectEnd(): void {
    this.skipWhitespace();
    if (!this.atEnd()) {
      throw this.fail(
        `'${this.charAt(this.pos)}' is invalid after a single JSON value. Expected end of data.`,
        '$',
      );
    }
  }
}

const VALUE_AT_END = 'Expected a value, but instead reached end of data.';
const END_INSTEAD_OF_PROPERTY =
  'Expected start of a property name or value, but instead reached end of data.';
const OPEN_AT_END =
  'Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.';
const TRAILING_COMMA_OBJECT =
  'The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.';
const TRAILING_COMMA_ARRAY =
  'The JSON array contains a trailing comma at the end which is not supported in this mode. Change the reader options.';
