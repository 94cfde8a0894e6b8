import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import { pathOf } from '../../routing/request-target.ts';
import { attachExchange } from '../exchange.ts';
import type { Exchange } from '../exchange.ts';
import { forwardHeaders, requestIdFrom } from '../forward-headers.ts';
import type { LegacyForwarder } from '../legacy-forwarder.ts';
import { openExchange } from './match.ts';

export interface Upgrades {
  handle(req: IncomingMessage, socket: Socket, head: Buffer): void;
  /** Cuts every open WebSocket (shutdown). */
  destroyAll(): void;
}

/**
 * WebSocket handshakes no route claims: new handlers are request/response only, so a WebSocket belongs to
 * legacy. Open sockets are tracked so a shutdown can end them.
 */
export function createUpgrades(options: {
  readonly forwarder: Pick<LegacyForwarder, 'upgrade'>;
  readonly legacyTimeoutMs: number;
  readonly rewriteHost: string | undefined;
  readonly logger: Logger;
}): Upgrades {
  const { forwarder, legacyTimeoutMs, rewriteHost, logger } = options;
  const open = new Set<Socket>();
  return {
    handle(req, socket, head) {
      const requestId = requestIdFrom(req.headers);
      attachExchange(req, openExchange(requestId, pathOf(req.url ?? '/'), legacyTimeoutMs));
      req.headers = forwardHeaders(
        req.headers,
        {
          remoteAddress: socket.remoteAddress,
          encrypted: (socket as Partial<TLSSocket>).encrypted === true,
          requestId,
          rewriteHost,
        },
        true,
      );
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.on('error', (error: Error) => {
        logger.debug('websocket client socket failed', { requestId, error: errorDetails(error) });
      });
      forwarder.upgrade(req, socket, head);
    },
    destroyAll() {
      for (const socket of open) socket.destroy();
    },
  };
}

/**
 * Only a WebSocket handshake is an upgrade here. Anything else that asks to switch protocols (`Upgrade:
 * h2c` from curl --http2 or Java's HttpClient on plain http) is an ordinary request, forwarded without
 * its hop-by-hop Upgrade, as Kestrel would answer it; node would otherwise hand it to the upgrade
 * handler, where the WebSocket proxy drops the connection without a word.
 */
export function isWebSocketHandshake(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return (
    req.method === 'GET' &&
    upgrade !== undefined &&
    upgrade.split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket')
  );
}

/**
 * A handshake on a route's path is served by the stages as the plain request it also is (new handlers
 * have no WebSocket endpoints; public-server.ts decides), and said so, since its client asked for more.
 */
export function noteHandshakeOnRoute(req: IncomingMessage, exchange: Exchange, logger: Logger): void {
  if (!isWebSocketHandshake(req)) return;
  logger.info('WebSocket handshake on a route that is no WebSocket endpoint, served as a plain request', {
    requestId: exchange.requestId,
    route: exchange.route,
  });
}
