// The listening server: HTTP, or HTTPS with optional mutual TLS (TLS_CLIENT_CA). Its timeouts
// and the per-address connection cap are chosen against slow and greedy clients
// (research/security.md X-3: slowloris; issue #12 item 7).
import { createServer as createHttp, IncomingMessage, ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';
import type { Express } from 'express';

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
 * Requests one keep-alive connection may carry before the server answers with
 * `Connection: close` (node's `maxRequestsPerSocket`; nginx's `keepalive_requests` default is
 * the same 1,000). With WORKERS > 1 the cluster hands out connections, not requests, in turn: a
 * partner gateway that keeps two or three connections open stays on whichever workers those
 * landed on. bench:load's legitimate stream alone (one gateway) once put 435 ms/s of main-thread
 * CPU on one worker and 17 on the other; more often the split was milder (264/213, 208/229,
 * 154/234, 297/121 in four runs of the build before this cap, 2026-12-04). Reconnecting every
 * 1,000 requests bounds how long such a split can last, at one TCP handshake per 1,000 requests.
 */
export const MAX_REQUESTS_PER_SOCKET = 1_000;

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
 * The request and response classes of a server for `app`: node's own, but born with the
 * prototypes Express gives them (`app.request`, `app.response`). Express 5 re-parents every
 * incoming pair with `Object.setPrototypeOf` (application.js `handle`); done to a live object
 * that discards the shapes V8 has learnt for it, and every later property access on the request
 * and the response pays: ~100 µs of CPU per request on the 2-core box, three quarters of
 * Express's own cost (issue #12 item 2; measured with a hello-world route, 167–203 → 60–92
 * µs). With the prototype right from birth, Express's call changes nothing.
 */
function bornAs(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    (IncomingMessage as unknown as (this: IncomingMessage, socket: Socket) => void).call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  AppResponse.prototype = app.response;
  return { IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse };
}

/**
 * With a client CA, a client certificate is requested but not required at the TLS layer
 * (`rejectUnauthorized: false`): app clients may still use bearer keys over plain TLS, and
 * the app answers 401 itself to a certificate that did not verify (src/http/auth.ts reads
 * only certificates the TLS layer marked `authorized`).
 */
export function createHttpServer(app: Express, tls?: TlsMaterial, opts: ServerOptions = {}): HttpServer {
  const classes = bornAs(app);
  const server = tls
    ? createHttps(
        {
          cert: tls.cert,
          key: tls.key,
          minVersion: 'TLSv1.2',
          ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
          ...SERVER_TIMEOUTS,
          ...classes,
        },
        app,
      )
    : createHttp({ ...SERVER_TIMEOUTS, ...classes }, app);
  // Set on the server as well: options of createServer do not cover keepAliveTimeout in Node 20.
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  server.maxHeadersCount = 100;
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
  capConnectionsPerAddress(server, opts.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, opts.onRefused);
  return server;
}
