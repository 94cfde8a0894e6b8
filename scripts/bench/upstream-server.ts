/**
 * The benchmark's legacy: answers every request with the same ~1 KB JSON document, keep-alive.
 * Runs as its own process (forked by scripts/bench.ts) and reports its port over IPC; any later
 * message is answered with the number of requests served so far (cpu-slices.ts counts by it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const items = Array.from({ length: 8 }, (_, i) => ({
  id: `0f8fad5b-d9cb-469f-a165-70867728950${i}`,
  name: `Athlete ${i}`,
  squad: 'First team',
  score: 71.5 + i,
  updatedAt: '2024-03-01T10:00:00.0000000Z',
}));
export const BODY = Buffer.from(JSON.stringify({ items, total: items.length, page: 1 }));

let served = 0;
const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  served += 1;
  // Drain any request body so the connection stays reusable.
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
  res.end(BODY);
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port, bytes: BODY.length });
});
process.on('message', () => process.send?.({ served }));
process.on('disconnect', () => process.exit(0));
