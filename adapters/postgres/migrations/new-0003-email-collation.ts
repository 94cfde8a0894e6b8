import { emailKey } from './email-key.ts';

/** The new side's unique e-mail index compares as legacy's collation does (email-key.ts). */
export const EMAIL_INDEX = 'athletes_email_collation_key';

export const up: readonly string[] = [
  `CREATE UNIQUE INDEX ${EMAIL_INDEX} ON athletes (${emailKey('email')})`,
  'DROP INDEX athletes_email_lower_key',
];

export const down: readonly string[] = [
  'CREATE UNIQUE INDEX athletes_email_lower_key ON athletes (lower(email))',
  `DROP INDEX ${EMAIL_INDEX}`,
];
