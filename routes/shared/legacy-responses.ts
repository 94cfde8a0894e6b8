import { randomBytes } from 'node:crypto';

import { jsonResponse, type HandlerRequest, type HandlerResponse } from '../../src/handlers/new-handler.ts';

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

/** Location as ASP.NET's CreatedAtAction writes it: absolute, from the request's Host. */
export function locationOf(request: HandlerRequest, pathAndQuery: string): string {
  const host = request.headers.host;
  return `http://${typeof host === 'string' ? host : 'localhost'}${pathAndQuery}`;
}

/**
 * Model-state errors keyed by field. ASP.NET writes them in its ModelStateDictionary's order, not the
 * order they were found in: see modelStateOrder.
 */
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
    for (const field of modelStateOrder([...this.byField.keys()]))
      errors[field] = this.byField.get(field) ?? [];
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

/**
 * The order ASP.NET's ModelStateDictionary enumerates its keys in: a tree of dot-separated segments,
 * walked breadth first, siblings sorted by length and then ordinally ignoring case; the empty key (the
 * root) comes first. So `to` precedes `from`, and `request` precedes `$.Sleep`.
 */
export function modelStateOrder(keys: readonly string[]): string[] {
  interface Node {
    readonly segment: string;
    key?: string;
    readonly children: Node[];
  }
  const root: Node = { segment: '', children: [] };
  for (const key of keys) {
    let node = root;
    for (const segment of key === '' ? [] : key.split('.')) {
      let child = node.children.find((c) => c.segment.toUpperCase() === segment.toUpperCase());
      if (child === undefined) {
        child = { segment, children: [] };
        node.children.push(child);
        node.children.sort((a, b) => compareSegments(a.segment, b.segment));
      }
      node = child;
    }
    node.key = key;
  }
  const ordered: string[] = root.key === undefined ? [] : [root.key];
  for (let level = [root]; level.length > 0; level = level.flatMap((n) => n.children)) {
    for (const node of level.flatMap((n) => n.children)) if (node.key !== undefined) ordered.push(node.key);
  }
  return ordered;
}

function compareSegments(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const [x, y] = [a.toUpperCase(), b.toUpperCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}
