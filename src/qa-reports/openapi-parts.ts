/** The pieces the QA API's OpenAPI paths are built from, so each operation says only what is its own. */

export const window = [
  {
    name: 'window',
    in: 'query',
    schema: { type: 'string', enum: ['15m', '1h', '24h', '7d', '14d'], default: '24h' },
  },
  {
    name: 'from',
    in: 'query',
    schema: { type: 'string', format: 'date-time' },
    description: 'Overrides window',
  },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
];
export const pathParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});
export const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A JSON response whose body is an object with these properties. */
export const objectResponse = (description: string, properties: Record<string, unknown>) => ({
  description,
  ...json({ type: 'object', properties }),
});
export const errors = {
  '400': { description: 'Invalid input', ...json(ref('Error')) },
  '401': { description: 'No or unknown bearer token / session', ...json(ref('Error')) },
  '403': {
    description: 'Role not allowed, or missing CSRF token on a cookie session',
    ...json(ref('Error')),
  },
  '404': { description: 'Not found', ...json(ref('Error')) },
  '429': {
    description:
      'Too many wrong tokens from this address (10 in 5 minutes): refused until Retry-After seconds have passed',
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    // The admin port's one answer for a blocked address, whichever API it asked: RFC 9457.
    content: { 'application/problem+json': { schema: ref('Problem') } },
  },
};
/** The errors of a read that takes no path parameter: it cannot be refused by role or miss its target. */
export const readErrors = { '400': errors['400'], '401': errors['401'], '429': errors['429'] };

const reasonBody = (field: string, extra: Record<string, unknown>) => ({
  required: true,
  ...json({
    type: 'object',
    required: [field],
    properties: { [field]: { type: 'string', maxLength: 2000 }, ...extra },
  }),
});

export interface ChangeOperation {
  readonly summary: string;
  /** The path parameter naming what changes. */
  readonly target: string;
  /** The body's required text field (a reason or a note), up to 2000 characters. */
  readonly field: string;
  readonly extraFields?: Record<string, unknown>;
  readonly responses: Record<string, unknown>;
}

/** A change to one thing by its id, with a reason in the body; every error response applies. */
export const changeOperation = (operation: ChangeOperation) => ({
  summary: operation.summary,
  parameters: [pathParam(operation.target)],
  requestBody: reasonBody(operation.field, operation.extraFields ?? {}),
  responses: { ...operation.responses, ...errors },
});
