import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Where the traced strangler of a bench run exports its spans: an OTLP/HTTP endpoint that reads each
 * export and answers 200, keeping nothing, so what is measured is strangler's cost of making and
 * sending spans, not a collector's. Runs in the bench's own process, whose CPU no target is charged.
 */
export async function startOtlpSink(): Promise<{ readonly url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Stopped with the bench: its targets go first, and nothing waits for this server to close.
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
