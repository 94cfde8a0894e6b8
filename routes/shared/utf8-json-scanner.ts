/*
 * The byte-level half of the JSON reader (utf8-json-reader.ts is the structural half): position and line
 * tracking, Utf8JsonReader's error messages with their line and byte position (BytePositionInLine
 * counts UTF-8 bytes since the last line feed), and the scalars (strings, numbers, literals).
 */

import { isUtf8 } from 'node:buffer';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * A string token's text, and whether .NET can transcode it to a UTF-16 string: not when its bytes are
 * not UTF-8 or an escape leaves a lone surrogate (`"\ud800"`). System.Text.Json skips such a string
 * unread, but a member bound to it cannot be converted, and a property name with a lone surrogate
 * cannot be looked up; JSON.parse would take both, with replacement characters.
 */
export interface StringToken {
  readonly text: string;
  readonly invalidUtf8: boolean;
  readonly loneSurrogate: boolean;
}

export class ReadError extends Error {
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.path = path;
  }
}

/** A cursor over the body's bytes that reads JSON scalars with System.Text.Json's refusals. */
export class Utf8JsonScanner {
  private readonly bytes: Buffer;
  protected pos = 0;
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

  /** A byte as the reader's messages show it: printable ASCII as itself, anything else as `0xHH`. */
  protected charAt(at: number): string {
    const byte = this.bytes[at] as number;
    if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
    return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }

  protected readString(path: string): StringToken {
    const start = this.pos;
    this.advance();
    while (!this.atEnd()) {
      const c = this.peek() as number;
      if (c === 0x22) {
        this.advance();
        const bytes = this.bytes.subarray(start, this.pos);
        const text = JSON.parse(bytes.toString('utf8')) as string;
        return { text, invalidUtf8: !isUtf8(bytes), loneSurrogate: !text.isWellFormed() };
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

  protected readNumber(path: string, atRoot: boolean): string {
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

  protected readLiteral(literal: 'true' | 'false' | 'null', path: string): void {
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
const SIGN = "a sign character ('+' or '-')";
const ESCAPE_HINT = 'The string should be correctly escaped.';
