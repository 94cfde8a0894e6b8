import { isIsoDate } from './request-body.ts';
import type { ValidationErrors } from './legacy-responses.ts';

/*
 * Query-string parameters bound as the legacy's [FromQuery] action parameters are (ASP.NET Core's
 * SimpleTypeModelBinder): names match case-insensitively, the first of repeated values wins, a value
 * that does not parse is "The value 'x' is not valid.", and ranges are checked after. An empty or
 * blank value is no value: a nullable parameter stays null, a non-nullable one (int, bool) reports
 * "The value '' is invalid." and keeps its default.
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
    for (const [key, value] of this.query) if (key.toLowerCase() === lower) return value;
    return undefined;
  }

  /** The value of a non-nullable parameter, or undefined after reporting a blank one. */
  private required(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw !== undefined && raw.trim() === '') {
      this.errors.add(name, `The value '${raw}' is invalid.`);
      return undefined;
    }
    return raw;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.required(name);
    if (raw === undefined) return fallback;
    const text = raw.trim();
    const value = /^[+-]?[0-9]+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
      this.errors.add(name, `The value '${raw}' is not valid.`);
      return fallback;
    }
    if (value < min || value > max)
      this.errors.add(name, `The field ${name} must be between ${min} and ${max}.`);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.required(name);
    if (raw === undefined) return fallback;
    switch (raw.trim().toLowerCase()) {
      case 'true':
        return true;
      case 'false':
        return false;
      default:
        this.errors.add(name, `The value '${raw}' is not valid.`);
        return fallback;
    }
  }

  date(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined || raw.trim() === '') return undefined;
    const date = parseInvariantDate(raw);
    if (date === undefined) this.errors.add(name, `The value '${raw}' is not valid.`);
    return date;
  }

  page(): PageRequest {
    return {
      page: this.int('page', 1, 1, 2 ** 31 - 1),
      pageSize: this.int('pageSize', PAGING.defaultPageSize, 1, PAGING.maxPageSize),
    };
  }
}

/**
 * A DateOnly query value as DateOnly.Parse reads it with the invariant culture, in the forms clients
 * send: ISO `yyyy-MM-dd` (also with `/`, or single-digit month and day), the invariant short date
 * `MM/dd/yyyy`, either optionally followed by a midnight time (`T00:00:00`). Returns `yyyy-MM-dd`.
 * DateOnly.Parse takes more (month names, other orders); those are refused here.
 */
export function parseInvariantDate(raw: string): string | undefined {
  const text = raw.trim();
  const midnight = String.raw`(?:[T ]00:00(?::00(?:\.0+)?)?)?`;
  const iso = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})${midnight}$`).exec(text);
  const us = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${midnight}$`).exec(text);
  const [year, month, day] = iso !== null ? [iso[1], iso[2], iso[3]] : us !== null ? [us[3], us[1], us[2]] : [];
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const date = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  return isIsoDate(date) ? date : undefined;
}
