import type { Response } from 'express';

/** RFC 9457 problem details; every error the admin port returns has this shape. */
export interface ProblemDetails {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly type?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(res: Response, problem: ProblemDetails): void {
  if (res.headersSent) {
    // Too late for a status: cut the response so the client sees a failure, not a truncated success.
    res.destroy();
    return;
  }
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .set('Cache-Control', 'no-store')
    .send(JSON.stringify({ ...problem, type: problem.type ?? 'about:blank' }));
}
