import type { HandlerRequest, HandlerResponse } from '../../src/handlers/new-handler.ts';
import type { Principal } from '../../src/identity/principal.ts';
import type { RouteTable } from '../../src/routing/route.ts';

export interface RouteCall {
  readonly body?: unknown;
  /** A shadowed write: the handler must roll its transaction back. */
  readonly dryRun?: boolean;
  /** The verified caller; undefined as on a route reached without one. */
  readonly principal: Principal | undefined;
}

export type CalledRoute = HandlerResponse & { readonly json: Record<string, unknown> | undefined };

/** Calls the new handler `table` matches for `method path` in-process, as the proxy would, and parses its JSON. */
export async function callRoute(
  table: RouteTable,
  method: string,
  path: string,
  call: RouteCall,
): Promise<CalledRoute> {
  const url = new URL(path, 'http://routes.test');
  const match = table.match(method, url.pathname);
  if (match === undefined) throw new Error(`no route for ${method} ${path}`);
  const request: HandlerRequest = {
    method,
    path: url.pathname,
    params: match.params,
    query: url.searchParams,
    headers: { host: 'routes.test', 'content-type': 'application/json' },
    body: Buffer.from(call.body === undefined ? '' : JSON.stringify(call.body)),
    requestId: 'test',
    signal: AbortSignal.timeout(5000),
    dryRun: call.dryRun ?? false,
    principal: call.principal,
  };
  const response = await match.route.handler(request);
  const text = response.body === undefined ? '' : String(response.body);
  return { ...response, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}
