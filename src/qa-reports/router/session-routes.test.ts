import { describe, expect, it } from '@jest/globals';
import { safeNext, waitText } from './session-routes.ts';

describe('sign-in helpers', () => {
  it('returns after sign-in only to our own report pages, never to another site', () => {
    expect(safeNext('/reports/routes/athletes-get?window=24h')).toBe(
      '/reports/routes/athletes-get?window=24h',
    );
    expect(safeNext('/reports')).toBe('/reports');
    expect(safeNext('/reports#top')).toBe('/reports#top');
    expect(safeNext('//evil.example/reports')).toBe('/reports');
    expect(safeNext('https://evil.example/reports')).toBe('/reports');
    expect(safeNext('/reportsevil')).toBe('/reports');
    expect(safeNext('/admin')).toBe('/reports');
    expect(safeNext(['/reports/audit'])).toBe('/reports');
    expect(safeNext(undefined)).toBe('/reports');
  });

  it('says how long a blocked sign-in waits in words, rounding minutes up', () => {
    expect(waitText(1)).toBe('1 second');
    expect(waitText(45)).toBe('45 seconds');
    expect(waitText(60)).toBe('1 minute');
    expect(waitText(61)).toBe('2 minutes');
    expect(waitText(240)).toBe('4 minutes');
  });
});
