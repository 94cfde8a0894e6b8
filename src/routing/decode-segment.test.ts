import { describe, expect, it } from '@jest/globals';

import { decodeSegment } from './decode-segment.ts';

describe('decodeSegment, as Kestrel decodes a path', () => {
  it('decodes ASCII and UTF-8 escapes once', () => {
    expect(decodeSegment('J%C3%BCrgen%20K')).toBe('Jürgen K');
    expect(decodeSegment('%61thletes')).toBe('athletes');
    expect(decodeSegment('%25a%2B%24')).toBe('%a+$');
    expect(decodeSegment('%252F')).toBe('%2F');
    expect(decodeSegment('%F0%9F%98%80')).toBe('😀');
    expect(decodeSegment('plain')).toBe('plain');
  });

  it('keeps an encoded slash as sent, in its own case', () => {
    expect(decodeSegment('a%2Fb')).toBe('a%2Fb');
    expect(decodeSegment('foo%2fbar%20x')).toBe('foo%2fbar x');
  });

  it('keeps malformed escapes as sent and decodes the valid ones around them', () => {
    expect(decodeSegment('%zz')).toBe('%zz');
    expect(decodeSegment('%')).toBe('%');
    expect(decodeSegment('%2')).toBe('%2');
    expect(decodeSegment('%%41')).toBe('%A');
    expect(decodeSegment('%E0%A4%A')).toBe('%E0%A4%A');
  });

  it('keeps bytes that are not valid UTF-8 encoded, resuming at the next escape', () => {
    expect(decodeSegment('%FF')).toBe('%FF');
    expect(decodeSegment('%C3%28')).toBe('%C3(');
    expect(decodeSegment('%C3%C3%A9')).toBe('%C3é');
    // Overlong form of ".", a UTF-16 surrogate, and a code point past U+10FFFF.
    expect(decodeSegment('%C0%AE')).toBe('%C0%AE');
    expect(decodeSegment('%ED%A0%80')).toBe('%ED%A0%80');
    expect(decodeSegment('%F4%90%80%80')).toBe('%F4%90%80%80');
  });
});
