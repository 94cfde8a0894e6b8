import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long the client may go on sending a body nobody reads before the connection is cut. */
const LINGER_MS = 2000;

/**
 * For a response sent before the request body was read, with the connection closing after it: node
 * closes the socket as soon as the response is out, and bytes of the body still arriving then make the
 * kernel answer with a reset, which can discard the response before the client has read it (nginx's
 * `lingering_close` exists for the same reason). Instead our side ends and what the client still sends
 * is read and thrown away until it stops, for at most LINGER_MS.
 */
export function lingerOnClose(res: ServerResponse): void {
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null | undefined;
  if (socket === null || socket === undefined) return;
  // node's http server calls destroySoon once the last response of a closing connection is out.
  socket.destroySoon = () => {
    socket.end();
    const cut = setTimeout(() => socket.destroy(), LINGER_MS);
    cut.unref();
    socket.once('close', () => clearTimeout(cut));
    socket.once('end', () => socket.destroy());
    socket.resume();
  };
}
