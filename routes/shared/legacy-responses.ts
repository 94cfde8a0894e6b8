import { randomBytes } from 'node:crypto';

import { jsonResponse, type HandlerResponse } from '../../src/handlers/new-handler.ts';

/*
 * The legacy's error and empty responses (ASP.NET Core 8 ProblemDetails), reproduced for the new
 * handlers. Member order matters to clients that read positionally: type, title, status, [detail |
 * errors], traceId.
 */

const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const PROBLEMS = {
  404: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5', title: 'Not Found' },
  409: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.10', title: 'Conflict' },
  415: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.16', title: 'Unsupported Media Type' },
} as const;

/**
 * ASP.NET's traceId is the W3C trace context of the request, so it never matches between two servers;
 * the contract comparison ignores it. Same shape, so clients that parse it keep working.
 */
function traceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
}

export function problemResponse(status: keyof typeof PROBLEMS, detail?: string): HandlerResponse {
  const { type, title } = PROBLEMS[status];
  const body =
    detail === undefined
      ? { type, title, status, traceId: traceId() }
      : { type, title, status, detail, traceId: traceId() };
  return jsonResponse(status, body, { 'content-type': PROBLEM_CONTENT_TYPE });
}

/** The empty 404 of a request no legacy endpoint matched (e.g. a route value that is not a GUID). */
export function noEndpointResponse(): HandlerResponse {
  return { status: 404, headers: { 'content-length': '0' } };
}

export function noContentResponse(): HandlerResponse {
  return { status: 204 };
}

/** Model-state errors keyed by field, in the order the legacy's validation visits the fields. */
export class ValidationErrors {
  private readonly byField = new Map<string, string[]>();

  add(field: string, message: string): void {
    const messages = this.byField.get(field);
    if (messages === undefined) this.byField.set(field, [message]);
    else messages.push(message);
  }

  get any(): boolean {
    return this.byField.size > 0;
  }

  toResponse(): HandlerResponse {
    const errors: Record<string, string[]> = {};
    for (const [field, messages] of this.byField) errors[field] = messages;
    return jsonResponse(
      400,
      {
        type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
        title: 'One or more validation errors occurred.',
        status: 400,
        errors,
        traceId: traceId(),
      },
      { 'content-type': PROBLEM_CONTENT_TYPE },
    );
  }
}
