import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/*
 * nginx's two bounds (lingering_timeout, lingering_time): the client may pause this long between the
 * chunks of a body nobody reads, and send for this long in all, before the connection is cut. A busy
 * machine can take seconds to swallow a large body, so the bound is on silence, not on the total alone.
 */
const LINGER_IDLE_MS = 5000;
const LINGER_TOTAL_MS = 30_000;

/**
 * For a response sent before the request body was read, with the connection closing after it: node
 * closes the socket as soon as the response is out, and bytes of the body still arriving then make the
 * kernel answer with a reset, which can discard the response before the client has read it (nginx's
 * `lingering_close` exists for the same reason). Instead our side ends and what the client still sends
 * is read and thrown away until it stops.
 */
export function lingerOnClose(res: ServerResponse): void {
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null | undefined;
  if (socket === null || socket === undefined) return;
  // node's http server calls destroySoon once the last response of a closing connection is out.
  socket.destroySoon = () => {
    socket.end();
    const until = Date.now() + LINGER_TOTAL_MS;
    const cut = setTimeout(() => socket.destroy(), LINGER_IDLE_MS);
    cut.unref();
    socket.on('data', () => {
      if (Date.now() < until) cut.refresh();
      else socket.destroy();
    });
    socket.once('close', () => clearTimeout(cut));
    socket.once('end', () => socket.destroy());
    socket.resume();
  };
}
