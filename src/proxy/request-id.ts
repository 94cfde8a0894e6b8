import { randomUuid } from '../observability/random-ids.ts';

/** A new request id: a random UUID (version 4), lower-case, as crypto.randomUUID writes it. */
export const newRequestId: () => string = randomUuid;
