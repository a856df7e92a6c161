import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { PERMISSIONS_POLICY } from './permissions-policy.js';

const BODY_431 = JSON.stringify({
  error: { code: 'headers_too_large', message: 'The request headers are too large. Clear this site\'s cookies and try again.' },
});
const BODY_400 = JSON.stringify({ error: { code: 'bad_request', message: 'The request could not be read.' } });

function answer(socket: Socket, status: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nPermissions-Policy: ${PERMISSIONS_POLICY}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/**
 * Requests Node's HTTP parser refuses before express sees them (headers over the size limit, malformed requests) get
 * the uniform JSON error body instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') answer(socket, '431 Request Header Fields Too Large', BODY_431);
    else if (err.code === 'ECONNRESET') socket.destroy();
    else answer(socket, '400 Bad Request', BODY_400);
  });
}
