import { describe, expect, it } from '@jest/globals';
import { authorize } from './principal.ts';
import { principalFrom } from './claims.ts';

const ORG = '0C6F9F9E-3A0B-4E55-9D7E-2F1F5C1D0A01';

describe('principal and policy', () => {
  it('needs every scope of the policy and its role', () => {
    const caller = principalFrom(
      { sub: 's', org_id: ORG, scope: 'athletes:read athletes:write', roles: ['coach'] },
      {},
    );
    expect(authorize(caller, { scopes: ['athletes:read'] })).toBe(true);
    expect(authorize(caller, { scopes: ['athletes:write'], role: 'coach' })).toBe(true);
    expect(authorize(caller, { scopes: ['wellness:read'] })).toBe(false);
    expect(authorize(caller, { scopes: ['athletes:read'], role: 'admin' })).toBe(false);
  });

  it('refuses a caller without a GUID organisation, whatever the scopes', () => {
    const caller = principalFrom({ sub: 's', org_id: 'acme', scope: 'athletes:read' }, {});
    expect(caller.organisationId).toBe('');
    expect(authorize(caller, { scopes: [] })).toBe(false);
  });

  it('reads the organisation and roles from configured claims', () => {
    const caller = principalFrom(
      { tid: ORG, app_roles: 'coach' },
      { organisationClaim: 'tid', roleClaim: 'app_roles' },
    );
    expect(caller.organisationId).toBe(ORG.toLowerCase());
    expect([...caller.roles]).toEqual(['coach']);
  });
});
