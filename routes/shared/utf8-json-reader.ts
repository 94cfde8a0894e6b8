/*
 * A byte-at-a-time JSON reader with System.Text.Json's Utf8JsonReader's refusals: its messages, and the
 * line and byte position it stops at (BytePositionInLine counts UTF-8 bytes since the last line feed).
 * It reads only as far as json-body-reader.ts asks: one member's first token, or a whole value to skip.
 */

/** The first token of a value: a whole scalar, or the opening bracket of an object or array. */
export type ScalarToken =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'true' | 'false' | 'null' }
  | { readonly kind: 'object' | 'array' };

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class ReadError extends Error {
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.path = path;
  }
}

export class Reader {
  private readonly bytes: Buffer;
  private pos = 0;
  private line = 0;
  private lineStart = 0;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  peek(): number | undefined {
    return this.bytes[this.pos];
  }

  advance(): void {
    this.pos += 1;
  }

  skipWhitespace(): void {
    while (!this.atEnd() && WHITESPACE.has(this.bytes[this.pos] as number)) {
      if (this.bytes[this.pos] === 0x0a) {
        this.line += 1;
        this.lineStart = this.pos + 1;
      }
      this.pos += 1;
    }
  }

  fail(message: string, path: string, at = this.pos): ReadError {
    return new ReadError(`${message} ${this.where(path, at)}`, path);
  }

  conversionError(clrType: string, path: string): ReadError {
    return new ReadError(
      `The JSON value could not be converted to ${clrType}. ${this.where(path, this.pos)}`,
      path,
    );
  }

  private where(path: string, at: number): string {
    return `Path: ${path} | LineNumber: ${this.line} | BytePositionInLine: ${at - this.lineStart}.`;
  }

  private charAt(at: number): string {
    const byte = this.bytes[at] as number;
    if (byte < 0x20) return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    return byte < 0x80 ? String.fromCharCode(byte) : (this.bytes.subarray(at).toString('utf8')[0] ?? '?');
  }

  /** `{` already consumed: each member's name, then `onMember` reads or skips its value. */
  readMembers(onMember: (name: string, path: string) => void): void {
    this.skipWhitespace();
    if (this.atEnd()) throw this.fail(OPEN_AT_END, '$');
    if (this.peek() === 0x7d) return this.advance();
    for (;;) {
      const name = this.readPropertyName();
      onMember(name, `$.${name}`);
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
  private readPropertyName(path = '$'): string {
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
    if (c === 0x22) return { kind: 'string', value: this.readString(path) };
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

  private readString(path: string): string {
    const start = this.pos;
    this.advance();
    while (!this.atEnd()) {
      const c = this.peek() as number;
      if (c === 0x22) {
        this.advance();
        return JSON.parse(this.bytes.subarray(start, this.pos).toString('utf8')) as string;
      }
      if (c < 0x20)
        throw this.fail(`'${this.charAt(this.pos)}' is invalid within a JSON string. ${ESCAPE_HINT}`, path);
      if (c === 0x5c) this.readEscape(path);
      else this.advance();
    }
    throw this.fail(STRING_AT_END, path);
  }

  private readEscape(path: string): void {
    this.advance();
    if (this.atEnd()) throw this.fail(STRING_AT_END, path);
    const c = String.fromCharCode(this.peek() as number);
    if (c === 'u') {
      for (let i = 1; i <= 4; i += 1) {
        const at = this.pos + i;
        if (at >= this.bytes.length) throw this.fail(STRING_AT_END, path, this.bytes.length);
        if (!/[0-9a-fA-F]/.test(String.fromCharCode(this.bytes[at] as number))) {
          throw this.fail(
            `'${this.charAt(at)}' is not a hex digit following '\\u' within a JSON string. ${ESCAPE_HINT}`,
            path,
            at,
          );
        }
      }
      this.pos += 5;
      return;
    }
    if (!'"\\/bfnrt'.includes(c)) {
      throw this.fail(
        `'${this.charAt(this.pos)}' is an invalid escapable character within a JSON string. ${ESCAPE_HINT}`,
        path,
      );
    }
    this.advance();
  }

  private readNumber(path: string, atRoot: boolean): string {
    const start = this.pos;
    const digit = (): boolean => {
      const c = this.peek();
      return c !== undefined && c >= 0x30 && c <= 0x39;
    };
    const needDigit = (after: string): void => {
      if (this.atEnd())
        throw this.fail(
          `'${this.charAt(this.pos - 1)}' is an invalid end of a number. Expected a delimiter.`,
          path,
        );
      if (!digit())
        throw this.fail(
          `'${this.charAt(this.pos)}' is invalid within a number, immediately after ${after}. Expected a digit ('0'-'9').`,
          path,
        );
    };
    if (this.peek() === 0x2d) {
      this.advance();
      needDigit(SIGN);
    }
    if (this.peek() === 0x30) {
      this.advance();
      if (digit()) throw this.fail(`Invalid leading zero before '${this.charAt(this.pos)}'.`, path);
    } else while (digit()) this.advance();
    if (this.peek() === 0x2e) {
      this.advance();
      needDigit("a decimal point ('.')");
      while (digit()) this.advance();
    }
    if (this.peek() === 0x65 || this.peek() === 0x45) {
      this.advance();
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.advance();
      needDigit(SIGN);
      while (digit()) this.advance();
    }
    // Inside an object or array the reader needs a delimiter after a number, even at the end of data.
    if (this.atEnd() && atRoot) return this.bytes.subarray(start, this.pos).toString('latin1');
    if (this.atEnd())
      throw this.fail(
        `'${this.charAt(this.pos - 1)}' is an invalid end of a number. Expected a delimiter.`,
        path,
      );
    const next = this.peek() as number;
    if (!WHITESPACE.has(next) && next !== 0x2c && next !== 0x7d && next !== 0x5d) {
      throw this.fail(
        `'${this.charAt(this.pos)}' is an invalid end of a number. Expected a delimiter.`,
        path,
      );
    }
    return this.bytes.subarray(start, this.pos).toString('latin1');
  }

  private readLiteral(literal: 'true' | 'false' | 'null', path: string): void {
    for (let i = 0; i < literal.length; i += 1) {
      const at = this.pos + i;
      if (at >= this.bytes.length || this.bytes[at] !== literal.charCodeAt(i)) {
        const shown = this.bytes.subarray(this.pos).toString('utf8');
        throw this.fail(
          `'${shown}' is an invalid JSON literal. Expected the literal '${literal}'.`,
          path,
          Math.min(at, this.bytes.length),
        );
      }
    }
    this.pos += literal.length;
  }
}

const STRING_AT_END = 'Expected end of string, but instead reached end of data.';
const VALUE_AT_END = 'Expected a value, but instead reached end of data.';
const SIGN = "a sign character ('+' or '-')";
const ESCAPE_HINT = 'The string should be correctly escaped.';
const END_INSTEAD_OF_PROPERTY =
  'Expected start of a property name or value, but instead reached end of data.';
const OPEN_AT_END =
  'Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.';
const TRAILING_COMMA_OBJECT =
  'The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.';
const TRAILING_COMMA_ARRAY =
  'The JSON array contains a trailing comma at the end which is not supported in this mode. Change the reader options.';
