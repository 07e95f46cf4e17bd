// The listening server: HTTP, or HTTPS with optional mutual TLS (TLS_CLIENT_CA). Its timeouts
// and the per-address connection cap are chosen against slow and greedy clients
// (research/security.md X-3: slowloris; issue #12 item 7).
import { createServer as createHttp, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA bundle of partner client certificates; set = clients may present one. */
  clientCa?: string | Buffer;
}

/**
 * - headersTimeout 10 s: the request line and headers of a real client arrive in milliseconds.
 * - requestTimeout 15 s: the backstop for a whole request; the body has its own, shorter
 *   deadline (src/http/body.ts BODY_DEADLINE_MS) before it may take a verification slot.
 * - keepAliveTimeout 5 s: an idle keep-alive connection is closed after this; longer than a
 *   typical load balancer's reuse window would be needed behind one (set the balancer shorter).
 */
export const SERVER_TIMEOUTS = { requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 } as const;

/**
 * Open connections one client address may hold (0 = no cap). A partner gateway keeps a few
 * dozen; 260 sockets of one address held every slot in the probe. Behind a load balancer all
 * connections share its address: raise MAX_CONNECTIONS_PER_ADDRESS there.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 128;

export interface ServerOptions {
  maxConnectionsPerAddress?: number;
  /** Told each time a connection over the cap is closed (metrics). */
  onRefused?: (address: string) => void;
}

/** Closes a new connection at once when its address already holds `max` (before any byte is read). */
export function capConnectionsPerAddress(server: HttpServer, max: number, onRefused?: (address: string) => void): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  // 'connection' fires for the TCP socket of HTTP and HTTPS alike, before any TLS handshake.
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const n = open.get(address) ?? 0;
    if (n >= max) {
      onRefused?.(address);
      socket.destroy();
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * With a client CA, a client certificate is requested but not required at the TLS layer
 * (`rejectUnauthorized: false`): app clients may still use bearer keys over plain TLS, and
 * the app answers 401 itself to a certificate that did not verify (src/http/auth.ts reads
 * only certificates the TLS layer marked `authorized`).
 */
export function createHttpServer(app: RequestListener, tls?: TlsMaterial, opts: ServerOptions = {}): HttpServer {
  const server = tls
    ? createHttps(
        {
          cert: tls.cert,
          key: tls.key,
          minVersion: 'TLSv1.2',
          ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
          ...SERVER_TIMEOUTS,
        },
        app,
      )
    : createHttp({ ...SERVER_TIMEOUTS }, app);
  // Set on the server as well: options of createServer do not cover keepAliveTimeout in Node 20.
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  server.maxHeadersCount = 100;
  capConnectionsPerAddress(server, opts.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, opts.onRefused);
  return server;
}
