/**
 * Runs once before all suites. Uses TEST_DATABASE_URL when set (CI points it at the machine's
 * PostgreSQL); otherwise starts an embedded PostgreSQL for the run and points TEST_DATABASE_URL at it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL !== undefined && process.env.TEST_DATABASE_URL !== '') return;
  // A URL, not './embedded-test-postgres.ts': ts-jest rewrites relative '.ts' specifiers to '.js'
  // (rewriteRelativeImportExtensions), and jest's module mapping does not apply to global setup.
  const module = new URL('./embedded-test-postgres.ts', import.meta.url).href;
  const { startTestPostgres } = (await import(module)) as typeof import('./embedded-test-postgres.ts');
  const server = await startTestPostgres();
  process.env.TEST_DATABASE_URL = server.url;
  (globalThis as { __strangler_pg__?: unknown }).__strangler_pg__ = server;
}
