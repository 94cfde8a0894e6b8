import type { HandlerRequest, HandlerResponse } from '../../src/handlers/new-handler.ts';
import { readJsonBody, type MemberConverter, type ScalarToken } from './json-body-reader.ts';
import { problemResponse, ValidationErrors } from './legacy-responses.ts';

/*
 * JSON request bodies the way the legacy's [ApiController] binds them, because clients rely on its
 * answers: System.Text.Json Web defaults (member names match case-insensitively, unknown members are
 * skipped, an integer may come as a string, the first unconvertible value fails the whole body; see
 * json-body-reader.ts), then DataAnnotations in declaration order with .NET's default messages.
 */

export type FieldType = 'guid' | 'text' | 'date' | 'int32';

export interface FieldRule {
  readonly type: FieldType;
  readonly required?: boolean;
  readonly maxLength?: number;
  readonly range?: { readonly min: number; readonly max: number };
  readonly email?: boolean;
}

export interface BodySchema {
  /** The legacy DTO's CLR type name, which its conversion error for a non-object body names. */
  readonly dtoType: string;
  /** Fields in the DTO's declaration order (object key order is significant). */
  readonly fields: Readonly<Record<string, FieldRule>>;
}

export type BodyValue = string | number | null;

export type BoundBody<S extends BodySchema> = { readonly [K in keyof S['fields']]: BodyValue };

/** The legacy action's parameter is called `request`; ASP.NET reports it when the body is unusable. */
const PARAMETER = 'request';

const CLR_NAMES: Record<FieldType, string> = {
  guid: 'System.Nullable`1[System.Guid]',
  text: 'System.String',
  date: 'System.Nullable`1[System.DateOnly]',
  int32: 'System.Nullable`1[System.Int32]',
};

export function bindBody<S extends BodySchema>(
  request: HandlerRequest,
  schema: S,
):
  | { readonly ok: true; readonly value: BoundBody<S> }
  | { readonly ok: false; readonly response: HandlerResponse } {
  const fail = (errors: ValidationErrors) => ({ ok: false as const, response: errors.toResponse() });
  if (!acceptsJson(request.headers['content-type'])) return { ok: false, response: problemResponse(415) };

  const errors = new ValidationErrors();
  const byLowerName = new Map(Object.keys(schema.fields).map((name) => [name.toLowerCase(), name]));
  const outcome = readJsonBody(request.body, schema.dtoType, (jsonName) => {
    const field = byLowerName.get(jsonName.toLowerCase());
    if (field === undefined) return undefined;
    const type = (schema.fields[field] as FieldRule).type;
    return { name: field, convert: (token) => convertMember(type, token) };
  });
  if (outcome.kind !== 'members') {
    if (outcome.kind === 'empty') errors.add('', 'A non-empty request body is required.');
    else errors.add(outcome.path, outcome.message);
    errors.add(PARAMETER, `The ${PARAMETER} field is required.`);
    return fail(errors);
  }

  const value: Record<string, BodyValue> = Object.fromEntries(
    Object.keys(schema.fields).map((n) => [n, (outcome.values.get(n) as BodyValue | undefined) ?? null]),
  );
  for (const [field, rule] of Object.entries(schema.fields))
    checkAnnotations(field, rule, value[field] ?? null, errors);
  if (errors.any) return fail(errors);
  for (const field of Object.keys(schema.fields)) checkStorable(field, value[field] ?? null, errors);
  if (errors.any) return fail(errors);
  return { ok: true, value: value as BoundBody<S> };
}

/** A JSON media type: application/json, text/json, or one application subtype with a +json suffix. */
export function acceptsJson(header: string | readonly string[] | undefined): boolean {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined) return false;
  const media = (value.split(';')[0] ?? '').trim().toLowerCase();
  if (media === 'application/json' || media === 'text/json') return true;
  return /^application\/[^/]+\+json$/.test(media);
}

/** System.Text.Json's converters for the DTOs' member types (Web defaults: numbers may be strings). */
export function convertMember(type: FieldType, token: ScalarToken): ReturnType<MemberConverter> {
  const fail = { ok: false as const, clrType: CLR_NAMES[type] };
  if (token.kind === 'null') return { ok: true, value: null };
  const text = token.kind === 'string' ? token.value : undefined;
  if (type === 'text') return text === undefined ? fail : { ok: true, value: text };
  if (type === 'guid') {
    const isGuid = text !== undefined && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(text);
    return isGuid ? { ok: true, value: text.toLowerCase() } : fail;
  }
  if (type === 'date') return text !== undefined && isIsoDate(text) ? { ok: true, value: text } : fail;
  // A number token has JSON's syntax; a string is read by Utf8Parser, which also takes a leading '+'.
  const literal = token.kind === 'number' ? token.text : text;
  if (literal === undefined || !/^[+-]?[0-9]+$/.test(literal)) return fail;
  const n = Number.parseInt(literal, 10);
  return n < -(2 ** 31) || n > 2 ** 31 - 1 ? fail : { ok: true, value: n };
}

/** DateOnly's JSON form: exactly yyyy-MM-dd, and a day that exists. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= daysInMonth;
}

export function checkAnnotations(
  field: string,
  rule: FieldRule,
  value: BodyValue,
  errors: Pick<ValidationErrors, 'add'>,
): void {
  const blank = value === null || (typeof value === 'string' && value.trim().length === 0);
  if (rule.required === true && blank) errors.add(field, `The ${field} field is required.`);
  if (value === null) return;
  if (typeof value === 'string') {
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      errors.add(field, `The field ${field} must be a string with a maximum length of ${rule.maxLength}.`);
    }
    if (rule.email === true && !looksLikeEmail(value)) {
      errors.add(field, `The ${field} field is not a valid e-mail address.`);
    }
  }
  if (typeof value === 'number' && rule.range !== undefined) {
    const { min, max } = rule.range;
    if (value < min || value > max)
      errors.add(field, `The field ${field} must be between ${min} and ${max}.`);
  }
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLSTATE 22021), where legacy's nvarchar on SQL Server stores it.
 * Checked after DataAnnotations, as the one refusal the legacy has no counterpart for: a body legacy
 * would refuse gets legacy's errors, and only one it would have stored is told which member the new
 * side cannot keep, as a model-state error on that member (docs/limits.md).
 */
export function checkStorable(field: string, value: BodyValue, errors: Pick<ValidationErrors, 'add'>): void {
  if (typeof value === 'string' && value.includes('\u0000'))
    errors.add(field, `The field ${field} must not contain the character U+0000.`);
}

/** .NET's EmailAddressAttribute is deliberately loose: one '@', not at either end, no line breaks. */
function looksLikeEmail(value: string): boolean {
  if (/[\r\n]/.test(value)) return false;
  const parts = value.split('@');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '';
}
