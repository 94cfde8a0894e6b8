import { addModelError, type ModelErrors } from './aspnet-json.ts';
import { parseInvariantDate } from '../../../routes/shared/query-parameters.ts';

/*
 * [FromQuery] binding of simple action parameters, as ASP.NET Core does it: keys match case-insensitively,
 * the first value of a repeated key wins, a value that does not parse is "The value 'x' is not valid.",
 * and [Range] is checked after binding. A blank value is no value: nullable parameters stay null,
 * non-nullable ones report "The value '' is invalid." and keep their default.
 */

export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) {
    if (key.toLowerCase() === wanted) return value.trim() === '' ? undefined : value;
  }
  return undefined;
}

/** A non-nullable parameter's value; a blank one is reported and reads as absent. */
function requiredValue(query: URLSearchParams, name: string, errors: ModelErrors): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) {
    if (key.toLowerCase() !== wanted) continue;
    if (value.trim() !== '') return value;
    addModelError(errors, name, `The value '${value}' is invalid.`);
    return undefined;
  }
  return undefined;
}

export function bindInt(
  query: URLSearchParams,
  name: string,
  fallback: number,
  range: readonly [number, number],
  errors: ModelErrors,
): number {
  const raw = requiredValue(query, name, errors);
  if (raw === undefined) return fallback;
  const trimmed = raw.trim();
  const n = Number(trimmed);
  if (!/^[+-]?\d+$/.test(trimmed) || n < -2147483648 || n > 2147483647) {
    addModelError(errors, name, `The value '${raw}' is not valid.`);
    return fallback;
  }
  if (n < range[0] || n > range[1]) {
    addModelError(errors, name, `The field ${name} must be between ${range[0]} and ${range[1]}.`);
  }
  return n;
}

export function bindBool(
  query: URLSearchParams,
  name: string,
  fallback: boolean,
  errors: ModelErrors,
): boolean {
  const raw = requiredValue(query, name, errors);
  if (raw === undefined) return fallback;
  // bool.TryParse: "true"/"false" in any case, surrounding white space allowed.
  const text = raw.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  addModelError(errors, name, `The value '${raw}' is not valid.`);
  return fallback;
}

export function bindDate(query: URLSearchParams, name: string, errors: ModelErrors): string | undefined {
  const raw = queryValue(query, name);
  if (raw === undefined) return undefined;
  const date = parseInvariantDate(raw);
  if (date === undefined) addModelError(errors, name, `The value '${raw}' is not valid.`);
  return date;
}

export function bindGuid(query: URLSearchParams, name: string, errors: ModelErrors): string | undefined {
  const raw = queryValue(query, name);
  if (raw === undefined) {
    addModelError(errors, name, `The ${name} field is required.`);
    return undefined;
  }
  const parsed = parseGuid(raw);
  if (parsed === undefined) addModelError(errors, name, `The value '${raw}' is not valid.`);
  return parsed;
}

/**
 * Guid.TryParse, which the `{id:guid}` route constraint uses: the D, N, B and P formats in any case
 * (not the X format, which no client sends). Returns the "D" lower-case form.
 */
export function parseGuid(text: string): string | undefined {
  const t = text.trim();
  const hex = '[0-9a-fA-F]';
  const d = `(${hex}{8})-(${hex}{4})-(${hex}{4})-(${hex}{4})-(${hex}{12})`;
  const match =
    new RegExp(`^${d}$`).exec(t) ??
    new RegExp(`^\\{${d}\\}$`).exec(t) ??
    new RegExp(`^\\(${d}\\)$`).exec(t) ??
    new RegExp(`^(${hex}{8})(${hex}{4})(${hex}{4})(${hex}{4})(${hex}{12})$`).exec(t);
  if (match === null) return undefined;
  return match.slice(1, 6).join('-').toLowerCase();
}
