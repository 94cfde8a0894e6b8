import { readFileSync, readlinkSync } from 'node:fs';
import type net from 'node:net';

/*
 * Closing a listening socket resets the connections the kernel has completed but the process has not
 * accepted yet: their clients have sent their requests and see ECONNRESET. With REUSE_PORT new
 * connections keep arriving until the very close (the kernel does not read readiness), and Linux moves
 * queued ones to another listener only with net.ipv4.tcp_migrate_req=1. So on Linux the listener is
 * closed in the first event-loop turn that finds its accept queue empty (read from /proc/net/tcp*),
 * which narrows the window from a whole turn to the read itself. Elsewhere it closes at once.
 */

/** Turns to wait for an empty accept queue before closing anyway (connections arriving without pause). */
const MAX_TURNS = 200;

/** What this module reads of node's TCP server handle. */
interface ListeningHandle {
  readonly _handle?: { readonly fd?: number } | null;
}

export function closeListener(server: net.Server, close: () => void): void {
  const queued = acceptQueueReader(server);
  const attempt = (turn: number): void => {
    if (turn >= MAX_TURNS || queued() === 0) close();
    else setImmediate(() => attempt(turn + 1));
  };
  attempt(0);
}

/** Connections waiting in the listener's accept queue; 0 when that cannot be read. */
function acceptQueueReader(server: net.Server): () => number {
  const fd = (server as unknown as ListeningHandle)._handle?.fd;
  if (process.platform !== 'linux' || fd === undefined || fd < 0) return () => 0;
  let inode: string;
  try {
    inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? '';
  } catch {
    return () => 0;
  }
  if (inode === '') return () => 0;
  return () => {
    for (const table of ['/proc/self/net/tcp6', '/proc/self/net/tcp']) {
      const queued = listenerRxQueue(table, inode);
      if (queued !== undefined) return queued;
    }
    return 0;
  };
}

/** For a listening socket, /proc's rx_queue column is its accept queue's length. */
function listenerRxQueue(table: string, inode: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(table, 'latin1');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (columns[9] !== inode) continue;
    return Number.parseInt(columns[4]?.split(':')[1] ?? '0', 16);
  }
  return undefined;
}
