import { HEX_BYTE, randomBytes } from '../observability/random-ids.ts';

/** A new random UUID (RFC 9562 §5.4, version 4), lower-case, as crypto.randomUUID writes it. */
export function newRequestId(): string {
  const bytes = randomBytes(16);
  const hex = (offset: number): string => HEX_BYTE[bytes[offset] as number] as string;
  // Version 4 in the high nibble of byte 6, variant 0b10 in the two high bits of byte 8.
  const version = HEX_BYTE[((bytes[6] as number) & 0x0f) | 0x40] as string;
  const variant = HEX_BYTE[((bytes[8] as number) & 0x3f) | 0x80] as string;
  return (
    `${hex(0)}${hex(1)}${hex(2)}${hex(3)}-${hex(4)}${hex(5)}-${version}${hex(7)}-${variant}${hex(9)}-` +
    `${hex(10)}${hex(11)}${hex(12)}${hex(13)}${hex(14)}${hex(15)}`
  );
}
