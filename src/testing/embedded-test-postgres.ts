/** Placeholder until the embedded PostgreSQL bootstrap lands (issue #3 §6). */
export async function startTestPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  throw new Error('TEST_DATABASE_URL is not set and the embedded PostgreSQL is not available yet');
}
