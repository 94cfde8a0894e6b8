import {
  readJsonBody,
  type MemberConverter,
  type ScalarToken,
} from '../../../routes/shared/json-body-reader.ts';
import { addModelError, type ModelErrors } from './aspnet-json.ts';

/*
 * The stand-in's emulation of [ApiController] body binding: System.Text.Json with the Web defaults
 * (case-insensitive property names, numbers readable from strings; the reader is the new handlers'
 * json-body-reader.ts) followed by DataAnnotations validation in property declaration order, with
 * .NET's default messages.
 */

export type PropertyKind = 'guid' | 'string' | 'date' | 'int';

export interface PropertySpec {
  readonly name: string;
  readonly kind: PropertyKind;
  /** [Required], or a non-nullable reference type under <Nullable>enable</Nullable>. */
  readonly required?: boolean;
  /** [StringLength(n)] */
  readonly maxLength?: number;
  /** [Range(min, max)] */
  readonly range?: readonly [number, number];
  /** [EmailAddress] */
  readonly email?: boolean;
}

export interface RequestModel {
  /** The CLR type name System.Text.Json puts in a conversion error. */
  readonly typeName: string;
  /** The action parameter's name, which ASP.NET reports as required when the body cannot be read. */
  readonly parameterName: string;
  readonly properties: readonly PropertySpec[];
}

export type BindResult =
  | { readonly kind: 'unsupported-media-type' }
  | { readonly kind: 'invalid'; readonly errors: ModelErrors }
  | { readonly kind: 'bound'; readonly value: Readonly<Record<string, string | number | null>> };

const CLR_TYPE: Record<PropertyKind, string> = {
  guid: 'System.Nullable`1[System.Guid]',
  string: 'System.String',
  date: 'System.Nullable`1[System.DateOnly]',
  int: 'System.Nullable`1[System.Int32]',
};

export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType === 'application/json' ||
    mediaType === 'text/json' ||
    // application/*+json: one subtype with a +json suffix (`application/vnd.a/b+json` is no media type).
    /^application\/[^/]+\+json$/.test(mediaType)
  );
}

export function bindJsonBody(contentType: string | undefined, body: Buffer, model: RequestModel): BindResult {
  if (!isJsonContentType(contentType)) return { kind: 'unsupported-media-type' };
  const errors: ModelErrors = new Map();
  const outcome = readJsonBody(body, model.typeName, (jsonName) => {
    const spec = model.properties.find((p) => p.name.toLowerCase() === jsonName.toLowerCase());
    return spec === undefined
      ? undefined
      : { name: spec.name, convert: (token) => convert(spec.kind, token) };
  });
  if (outcome.kind !== 'members') {
    if (outcome.kind === 'empty') addModelError(errors, '', 'A non-empty request body is required.');
    else addModelError(errors, outcome.path, outcome.message);
    addModelError(errors, model.parameterName, `The ${model.parameterName} field is required.`);
    return { kind: 'invalid', errors };
  }
  const value: Record<string, string | number | null> = {};
  for (const [name, converted] of outcome.values) value[name] = converted as string | number | null;
  for (const spec of model.properties) validateProperty(spec, value[spec.name] ?? null, errors);
  return errors.size > 0 ? { kind: 'invalid', errors } : { kind: 'bound', value };
}

function convert(kind: PropertyKind, token: ScalarToken): ReturnType<MemberConverter> {
  const fail = { ok: false as const, clrType: CLR_TYPE[kind] };
  if (token.kind === 'null') return { ok: true, value: null };
  const text = token.kind === 'string' ? token.value : undefined;
  switch (kind) {
    case 'string':
      return text === undefined ? fail : { ok: true, value: text };
    case 'guid':
      return text !== undefined &&
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)
        ? { ok: true, value: text.toLowerCase() }
        : fail;
    case 'date':
      return text !== undefined && isCalendarDate(text) ? { ok: true, value: text } : fail;
    case 'int': {
      // JsonNumberHandling.AllowReadingFromString (Web defaults): "4" binds like 4; 4.0 does not.
      const source = token.kind === 'number' ? token.text : text;
      if (source === undefined || !/^[+-]?\d+$/.test(source)) return fail;
      const n = Number(source);
      return n >= -2147483648 && n <= 2147483647 ? { ok: true, value: n } : fail;
    }
  }
}

export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999 (DateOnly takes 0001-01-01 on).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

function validateProperty(spec: PropertySpec, value: string | number | null, errors: ModelErrors): void {
  const name = spec.name;
  // RequiredAttribute: null, or a string that is empty or white space (AllowEmptyStrings = false).
  if (spec.required === true && (value === null || (typeof value === 'string' && value.trim() === ''))) {
    addModelError(errors, name, `The ${name} field is required.`);
  }
  if (value === null) return; // every other attribute treats null as valid
  if (spec.maxLength !== undefined && typeof value === 'string' && value.length > spec.maxLength) {
    addModelError(
      errors,
      name,
      `The field ${name} must be a string with a maximum length of ${spec.maxLength}.`,
    );
  }
  if (spec.email === true && typeof value === 'string' && !isEmailAddressAttributeValid(value)) {
    addModelError(errors, name, `The ${name} field is not a valid e-mail address.`);
  }
  if (spec.range !== undefined && typeof value === 'number') {
    const [min, max] = spec.range;
    if (value < min || value > max) {
      addModelError(errors, name, `The field ${name} must be between ${min} and ${max}.`);
    }
  }
}

/** EmailAddressAttribute (.NET 5+): exactly one '@', neither first nor last, no CR/LF. */
function isEmailAddressAttributeValid(value: string): boolean {
  if (value.includes('\r') || value.includes('\n')) return false;
  const at = value.indexOf('@');
  return at > 0 && at === value.lastIndexOf('@') && at !== value.length - 1;
}
