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
  private readonly errors: Pick<ValidationErrors, 'add'>;

  constructor(query: URLSearchParams, errors: Pick<ValidationErrors, 'add'>) {
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
 * send: ISO `yyyy-MM-dd` (also with `/`, or one-digit month and day), the invariant short date
 * `MM/dd/yyyy`, and English month names (`Nov 4 2026`, `4 November 2026`), each optionally followed by
 * a time of day, which DateOnly drops. Returns `yyyy-MM-dd`. DateOnly.Parse takes still more (other
 * orders, day names); those are refused here.
 */
export function parseInvariantDate(raw: string): string | undefined {
  const text = raw.trim();
  for (const [pattern, parts] of DATE_FORMS) {
    const match = pattern.exec(text);
    if (match === null) continue;
    const [year, monthText, day] = parts(match);
    if (year === undefined || monthText === undefined || day === undefined) return undefined;
    const date = `${year}-${monthText.padStart(2, '0')}-${day.padStart(2, '0')}`;
    return isIsoDate(date) ? date : undefined;
  }
  return undefined;
}

const TIME = String.raw`(?:[T ]([01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,7})?)?)?`;
const MONTH = String.raw`([A-Za-z]+)\.?`;

/** Each form DateOnly.Parse is taken in, with where its year, month and day are. */
const DATE_FORMS: readonly (readonly [RegExp, (m: RegExpExecArray) => [string?, string?, string?]])[] = [
  [new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})${TIME}$`), (m) => [m[1], m[2], m[3]]],
  [new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`), (m) => [m[3], m[1], m[2]]],
  [new RegExp(String.raw`^${MONTH} (\d{1,2}),? (\d{4})${TIME}$`), (m) => [m[3], monthNumber(m[1]), m[2]]],
  [new RegExp(String.raw`^(\d{1,2}) ${MONTH},? (\d{4})${TIME}$`), (m) => [m[3], monthNumber(m[2]), m[1]]],
];

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** An English month name, full or its first three letters, in any case. */
function monthNumber(name: string | undefined): string | undefined {
  const lower = name?.toLowerCase() ?? '';
  const index = MONTHS.findIndex((m) => m === lower || (lower.length === 3 && m.startsWith(lower)));
  return index < 0 ? undefined : String(index + 1);
}
