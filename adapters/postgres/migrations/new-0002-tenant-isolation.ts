/*
 * Tenant isolation in the new database itself: row-level security scopes every row to the organisation
 * of the caller, so a handler query that forgets the filter still sees only its caller's rows. Handlers
 * run as the NOLOGIN role strangler_tenant (SET LOCAL ROLE inside their transaction, with the caller's
 * organisation in the setting strangler.organisation_id); the application's own login — the tables'
 * owner, as used by the sync, reconciliation and migrations — is not subject to these policies.
 *
 * Squads carry the organisation; athletes and entries are scoped through their parent, whose own policy
 * applies inside the sub-select. Without the setting nothing is visible: isolation fails closed.
 * Creating the role needs CREATEROLE (the admin of Azure Database for PostgreSQL has it); roles are
 * cluster-wide, so it is created once and kept by `down`.
 */
export const TENANT_ROLE = 'strangler_tenant';
export const TENANT_SETTING = 'strangler.organisation_id';

const CALLER = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;
const TABLES = ['organisations', 'squads', 'athletes', 'wellness_entries'] as const;

const POLICIES: Readonly<Record<(typeof TABLES)[number], string>> = {
  organisations: `id = ${CALLER}`,
  squads: `organisation_id = ${CALLER}`,
  athletes: 'EXISTS (SELECT 1 FROM squads s WHERE s.id = athletes.squad_id)',
  wellness_entries: 'EXISTS (SELECT 1 FROM athletes a WHERE a.id = wellness_entries.athlete_id)',
};

export const up: readonly string[] = [
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN CREATE ROLE ${TENANT_ROLE} NOLOGIN; END IF;
   END $$`,
  // Lets the application's login switch to the role (a superuser may anyway).
  `DO $$ BEGIN
     IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
       EXECUTE format('GRANT ${TENANT_ROLE} TO %I', current_user);
     END IF;
   END $$`,
  `DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${TENANT_ROLE}', current_schema()); END $$`,
  `GRANT SELECT, INSERT, UPDATE ON ${TABLES.join(', ')} TO ${TENANT_ROLE}`,
  ...TABLES.flatMap((table) => [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY ${table}_of_caller ON ${table} USING (${POLICIES[table]})`,
  ]),
];

export const down: readonly string[] = [
  ...TABLES.flatMap((table) => [
    `DROP POLICY ${table}_of_caller ON ${table}`,
    `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`,
  ]),
  `REVOKE ALL ON ${TABLES.join(', ')} FROM ${TENANT_ROLE}`,
  `DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${TENANT_ROLE}', current_schema()); END $$`,
];
