import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { Logger } from '../../observability/logger.ts';

/*
 * Pipelined requests, one at a time and never past the response that closes the connection. node parses
 * and dispatches every request a client pipelined as soon as it arrives, but whether a response closes
 * the connection is only known once it is written (an HTTP/1.0 keep-alive response without a length,
 * legacy's own `Connection: close`): a write dispatched behind it would run on legacy or a handler and its
 * answer would be lost. Kestrel reads the next request only once the previous response is done, and
 * none after one that closed the connection (RFC 9112 §9.3.2, §9.6); so does this.
 */

type Serve = (req: IncomingMessage, res: ServerResponse) => void;

export interface Pipelining {
  /** Runs `serve` once every earlier response on the request's connection is done; never if it closed. */
  inTurn(req: IncomingMessage, res: ServerResponse, serve: Serve): void;
  /** The server's clientError listener: node's own answers, but to data after a closing request. */
  onClientError(error: Error & { code?: string }, socket: Socket): void;
}

/** A connection's responses: the latest one accepted, and the one being served (the earlier are done). */
interface Turns {
  latest: ServerResponse;
  serving: ServerResponse | undefined;
}

/**
 * Kept on the socket itself, so a closed socket takes it along: a property read, where a WeakMap
 * lookup per request hashed the socket.
 */
const TURNS = Symbol('strangler.turns');
type WithTurns = Socket & { [TURNS]?: Turns };

export function createPipelining(logger: Logger): Pipelining {
  const closing = (socket: Socket): boolean => socket.destroyed || socket.writableEnded;
  const done = (res: ServerResponse | undefined): boolean =>
    res === undefined || res.writableFinished || res.destroyed;

  const take = (turns: Turns, req: IncomingMessage, res: ServerResponse, serve: Serve): void => {
    turns.serving = res;
    serve(req, res);
  };
  const drop = (req: IncomingMessage): void => {
    logger.debug('pipelined request not served: the response before it closed the connection', {
      method: req.method,
    });
  };

  return {
    inTurn(req, res, serve) {
      const socket = req.socket as WithTurns;
      const turns = socket[TURNS];
      if (turns === undefined) {
        const first: Turns = { latest: res, serving: undefined };
        socket[TURNS] = first;
        return take(first, req, res, serve);
      }
      const previous = turns.latest;
      turns.latest = res;
      if (done(previous)) return closing(socket) ? drop(req) : take(turns, req, res, serve);
      // node's own 'finish' listener, which ends a closing connection, has run before 'close' is emitted.
      previous.once('close', () => (closing(socket) ? drop(req) : take(turns, req, res, serve)));
    },

    onClientError(error, socket) {
      const turns = (socket as WithTurns)[TURNS];
      // Bytes after a request that closes the connection: its response is still owed, and node ends the
      // connection after it; the bytes are not a request.
      if (error.code === 'HPE_CLOSED_CONNECTION' && !done(turns?.latest)) return;
      // Otherwise as node answers without a listener (lib/_http_server.js socketOnError): no answer
      // once a response has started on the connection.
      if (socket.writable && (done(turns?.serving) || turns?.serving?.headersSent !== true)) {
        const status = NODE_ANSWERS[error.code ?? ''] ?? 400;
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
      }
      socket.destroy(error);
    },
  };
}

const NODE_ANSWERS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};
