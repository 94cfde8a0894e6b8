import { describe, expect, it } from '@jest/globals';

import { invalidResponse } from './run-handler.ts';

describe('a handler response node could not write is the handler failing', () => {
  it('accepts a response node can write', () => {
    expect(
      invalidResponse({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' }),
    ).toBeUndefined();
    expect(invalidResponse({ status: 204 })).toBeUndefined();
  });

  it('names what is wrong with one it could not', () => {
    expect(invalidResponse(undefined)).toBe('handler returned no response');
    expect(invalidResponse({ status: 99 })).toBe('handler returned an invalid status: 99');
    expect(invalidResponse({ status: 200, body: { json: true } })).toBe(
      'handler returned a body that is neither a string nor a Buffer',
    );
    expect(invalidResponse({ status: 200, headers: { 'x-name': 'Zoë ✓' } })).toMatch(
      /^handler returned a header node cannot send/,
    );
    expect(invalidResponse({ status: 200, headers: { 'x-count': 3 } })).toMatch(
      /header x-count is not a string/,
    );
  });
});
