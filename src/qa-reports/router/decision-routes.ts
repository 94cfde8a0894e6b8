import type { RequestHandler, Router } from 'express';
import { decidedQuery, type Decided } from '../decision-notice.ts';
import { NotFoundError } from '../not-found-error.ts';
import type { DiffGroup, IgnoreRule } from '../report-store.ts';
import { actorOf, type AuthedRequest } from './principal.ts';
import type { QaRouterContext } from './qa-router-context.ts';
import { acceptChoice, bodyOf, optionalLink, requiredText } from './request-input.ts';

/*
 * QA's decisions on a diff group (accept, mark defect) and the operator's (revoke a rule, delete a
 * group): the pages' forms answer with a redirect, the API with the changed record. Accepting and
 * revoking tell onRulesChanged, so this replica's comparison applies the change at once.
 */
export function mountDecisions(router: Router, ctx: QaRouterContext, operatorOnly: RequestHandler): void {
  mountDecisionForms(router, ctx, operatorOnly);
  mountDecisionApi(router, ctx, operatorOnly);
}

/** The decisions both the forms and the API take, each on the request's path parameter and body. */
function decisionsOf(ctx: QaRouterContext) {
  return {
    async accept(req: AuthedRequest): Promise<IgnoreRule> {
      const groupId = String(req.params.groupId);
      const body = bodyOf(req);
      const decision = { reason: requiredText(body, 'reason'), ...acceptChoice(body) };
      const rule = await ctx.store.acceptGroup(groupId, decision, actorOf(req));
      await ctx.onRulesChanged();
      return rule;
    },
    async markDefect(req: AuthedRequest): Promise<DiffGroup> {
      const body = bodyOf(req);
      const groupId = String(req.params.groupId);
      return ctx.store.markDefect(groupId, requiredText(body, 'note'), optionalLink(body), actorOf(req));
    },
    async revoke(req: AuthedRequest): Promise<IgnoreRule> {
      const ruleId = String(req.params.ruleId);
      const rule = await ctx.store.revokeRule(ruleId, requiredText(bodyOf(req), 'reason'), actorOf(req));
      await ctx.onRulesChanged();
      return rule;
    },
  };
}

function mountDecisionForms(router: Router, ctx: QaRouterContext, operatorOnly: RequestHandler): void {
  const decide = decisionsOf(ctx);
  const routePage = (routeId: string, done: Decided) =>
    `/reports/routes/${encodeURIComponent(routeId)}?${decidedQuery(done)}`;

  router.post('/reports/groups/:groupId/accept', async (req: AuthedRequest, res) => {
    res.redirect(303, routePage((await decide.accept(req)).routeId, 'accepted'));
  });

  router.post('/reports/groups/:groupId/defect', async (req: AuthedRequest, res) => {
    const group = await decide.markDefect(req);
    res.redirect(303, `/reports/groups/${encodeURIComponent(group.id)}?${decidedQuery('defect')}`);
  });

  router.post('/reports/groups/:groupId/delete', operatorOnly, async (req: AuthedRequest, res) => {
    // Looked up first: the redirect goes to the group's route, which is gone once the group is.
    const group = await ctx.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    await ctx.store.deleteGroup(group.id, requiredText(bodyOf(req), 'reason'), actorOf(req));
    res.redirect(303, routePage(group.routeId, 'deleted'));
  });

  router.post('/reports/rules/:ruleId/revoke', operatorOnly, async (req: AuthedRequest, res) => {
    res.redirect(303, routePage((await decide.revoke(req)).routeId, 'revoked'));
  });
}

function mountDecisionApi(router: Router, ctx: QaRouterContext, operatorOnly: RequestHandler): void {
  const decide = decisionsOf(ctx);

  router.delete('/api/reports/groups/:groupId', operatorOnly, async (req: AuthedRequest, res) => {
    const groupId = String(req.params.groupId);
    await ctx.store.deleteGroup(groupId, requiredText(bodyOf(req), 'reason'), actorOf(req));
    res.status(204).end();
  });

  router.post('/api/reports/groups/:groupId/accept', async (req: AuthedRequest, res) => {
    res.status(201).json({ rule: await decide.accept(req) });
  });

  router.post('/api/reports/groups/:groupId/defect', async (req: AuthedRequest, res) => {
    res.json({ group: await decide.markDefect(req) });
  });

  router.post('/api/reports/rules/:ruleId/revoke', operatorOnly, async (req: AuthedRequest, res) => {
    res.json({ rule: await decide.revoke(req) });
  });
}
