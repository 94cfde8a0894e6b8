import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.ts';
import { sendProblem } from './problem-details.ts';

/** Admin roles (DESIGN.md "Admin port"): QA reads reports and accepts differences; operator can do everything. */
export type AdminRole = 'qa' | 'operator';

export type AdminTokens = Pick<Config, 'adminQaToken' | 'adminOperatorToken'>;

export interface AdminAuth {
  /** The role an `Authorization` header grants, or undefined for a missing or wrong token. */
  roleFor(authorization: string | undefined): AdminRole | undefined;
  /** Express middleware: 401 without a valid bearer token, 403 when the role is not enough. */
  require(role: AdminRole): RequestHandler;
}

// RFC 6750 §2.1: the scheme is case-insensitive. Any non-blank token is taken (not just token68) so
// an operator-chosen ADMIN_*_TOKEN with other characters still works.
const BEARER = /^Bearer +(\S+) *$/i;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function createAdminAuth(tokens: AdminTokens): AdminAuth {
  // Digests are equal-length, so timingSafeEqual never throws and the comparison leaks neither the
  // token's length nor where it first differs.
  const qa = digest(tokens.adminQaToken);
  const operator = digest(tokens.adminOperatorToken);

  const roleFor = (authorization: string | undefined): AdminRole | undefined => {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (token === undefined) return undefined;
    const presented = digest(token);
    // Both comparisons always run so the timing does not say which role a token is close to.
    const isOperator = timingSafeEqual(presented, operator);
    const isQa = timingSafeEqual(presented, qa);
    if (isOperator) return 'operator';
    return isQa ? 'qa' : undefined;
  };

  return {
    roleFor,
    require(required: AdminRole): RequestHandler {
      return (req: Request, res: Response, next: NextFunction): void => {
        const role = roleFor(req.headers.authorization);
        if (role === undefined) {
          res.set('WWW-Authenticate', 'Bearer realm="strangler-admin"');
          sendProblem(res, {
            status: 401,
            title: 'Unauthorized',
            detail: 'A valid admin bearer token is required (ADMIN_QA_TOKEN or ADMIN_OPERATOR_TOKEN).',
          });
          return;
        }
        if (!grants(role, required)) {
          sendProblem(res, {
            status: 403,
            title: 'Forbidden',
            detail: `This action needs the ${required} role.`,
          });
          return;
        }
        res.locals.adminRole = role;
        next();
      };
    },
  };
}

/** Operator includes everything QA may do. */
export function grants(role: AdminRole, required: AdminRole): boolean {
  return role === 'operator' || required === 'qa';
}
