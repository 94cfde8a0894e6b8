import { readJsonBody } from '../../../routes/shared/json-body-reader.ts';
import {
  acceptsJson,
  checkAnnotations,
  convertMember,
  type FieldRule,
  type FieldType,
} from '../../../routes/shared/request-body.ts';
import { addModelError, type ModelErrors } from './aspnet-json.ts';

/*
 * The stand-in's emulation of [ApiController] body binding: System.Text.Json with the Web defaults
 * (case-insensitive property names, numbers readable from strings) followed by DataAnnotations
 * validation in property declaration order, with .NET's default messages. The reader, the member
 * converters and the checks are the new handlers' (routes/shared): the ASP.NET app keeps both honest.
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

/** The new handlers' names for the same .NET member types, whose converters and checks the stand-in uses. */
const FIELD_TYPE: Record<PropertyKind, FieldType> = {
  guid: 'guid',
  string: 'text',
  date: 'date',
  int: 'int32',
};

function fieldRule(spec: PropertySpec): FieldRule {
  return {
    type: FIELD_TYPE[spec.kind],
    ...(spec.required === undefined ? {} : { required: spec.required }),
    ...(spec.maxLength === undefined ? {} : { maxLength: spec.maxLength }),
    ...(spec.range === undefined ? {} : { range: { min: spec.range[0], max: spec.range[1] } }),
    ...(spec.email === undefined ? {} : { email: spec.email }),
  };
}

export function bindJsonBody(contentType: string | undefined, body: Buffer, model: RequestModel): BindResult {
  if (!acceptsJson(contentType)) return { kind: 'unsupported-media-type' };
  const errors: ModelErrors = new Map();
  const outcome = readJsonBody(body, model.typeName, (jsonName) => {
    const spec = model.properties.find((p) => p.name.toLowerCase() === jsonName.toLowerCase());
    return spec === undefined
      ? undefined
      : { name: spec.name, convert: (token) => convertMember(FIELD_TYPE[spec.kind], token) };
  });
  if (outcome.kind !== 'members') {
    if (outcome.kind === 'empty') addModelError(errors, '', 'A non-empty request body is required.');
    else addModelError(errors, outcome.path, outcome.message);
    addModelError(errors, model.parameterName, `The ${model.parameterName} field is required.`);
    return { kind: 'invalid', errors };
  }
  const value: Record<string, string | number | null> = {};
  for (const [name, converted] of outcome.values) value[name] = converted as string | number | null;
  const sink = { add: (field: string, message: string) => addModelError(errors, field, message) };
  for (const spec of model.properties)
    checkAnnotations(spec.name, fieldRule(spec), value[spec.name] ?? null, sink);
  return errors.size > 0 ? { kind: 'invalid', errors } : { kind: 'bound', value };
}
