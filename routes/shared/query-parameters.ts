import { isIsoDate } from './request-body.ts';
import type { ValidationErrors } from './legacy-responses.ts';

/*
 * Query-string parameters bound as the legacy's [FromQuery] action parameters are: names match
 * case-insensitively, the first of repeated values wins, an empty value leaves the default, a value that
 * does not parse is reported as "The value 'x' is not valid for name.", and ranges are checked after.
 */

/** The legacy's paging: page from 1, 50 per page by default, at most 200 (recorded in the fixtures). */
export const PAGING = { defaultPageSize: 50, maxPageSize: 200 } as const;

export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
}

export class QueryParameters {
  private readonly query: URLSearchParams;
  private readonly errors: ValidationErrors;

  constructor(query: URLSearchParams, errors: ValidationErrors) {
    this.query = query;
    this.errors = errors;
  }

  private raw(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [key, value] of this.query) if (key.toLowerCase() === lower) return value || undefined;
    return undefined;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const text = raw.trim();
    const value = /^[+-]?[0-9]+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
      this.errors.add(name, `The value '${raw}' is not valid for ${name}.`);
      return fallback;
    }
    if (value < min || value > max)
      this.errors.add(name, `The field ${name} must be between ${min} and ${max}.`);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    switch (raw.trim().toLowerCase()) {
      case 'true':
        return true;
      case 'false':
        return false;
      default:
        this.errors.add(name, `The value '${raw}' is not valid for ${name}.`);
        return fallback;
    }
  }

  date(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if (isIsoDate(raw.trim())) return raw.trim();
    this.errors.add(name, `The value '${raw}' is not valid for ${name}.`);
    return undefined;
  }

  page(): PageRequest {
    return {
      page: this.int('page', 1, 1, 2 ** 31 - 1),
      pageSize: this.int('pageSize', PAGING.defaultPageSize, 1, PAGING.maxPageSize),
    };
  }
}
