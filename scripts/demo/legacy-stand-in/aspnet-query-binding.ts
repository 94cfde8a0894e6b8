import { addModelError, type ModelErrors } from './aspnet-json.ts';
import { routeGuid } from '../../../routes/shared/legacy-formats.ts';
import { QueryParameters, type PageRequest } from '../../../routes/shared/query-parameters.ts';

/*
 * [FromQuery] binding of simple action parameters for the stand-in: the new handlers' QueryParameters
 * (routes/shared/query-parameters.ts, which says how ASP.NET Core binds them) with the stand-in's
 * model-state map, and the report's required Guid.
 */

export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) {
    if (key.toLowerCase() === wanted) return value.trim() === '' ? undefined : value;
  }
  return undefined;
}

/** The new handlers' binder, reporting into the stand-in's model-state map. */
function parameters(query: URLSearchParams, errors: ModelErrors): QueryParameters {
  return new QueryParameters(query, { add: (name, message) => addModelError(errors, name, message) });
}

/** page and pageSize, with the legacy's paging defaults and bounds. */
export function bindPage(query: URLSearchParams, errors: ModelErrors): PageRequest {
  return parameters(query, errors).page();
}

export function bindBool(
  query: URLSearchParams,
  name: string,
  fallback: boolean,
  errors: ModelErrors,
): boolean {
  return parameters(query, errors).bool(name, fallback);
}

export function bindDate(query: URLSearchParams, name: string, errors: ModelErrors): string | undefined {
  return parameters(query, errors).date(name);
}

export function bindGuid(query: URLSearchParams, name: string, errors: ModelErrors): string | undefined {
  const raw = queryValue(query, name);
  if (raw === undefined) {
    addModelError(errors, name, `The ${name} field is required.`);
    return undefined;
  }
  const parsed = routeGuid(raw);
  if (parsed === undefined) addModelError(errors, name, `The value '${raw}' is not valid.`);
  return parsed;
}
