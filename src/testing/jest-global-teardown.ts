export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __strangler_pg__?: { stop(): Promise<void> } }).__strangler_pg__;
  if (server !== undefined) await server.stop();
}
