// The listening server: HTTP, or HTTPS with optional mutual TLS (TLS_CLIENT_CA). Timeouts are
// tightened against slow clients (research/security.md X-3: slowloris).
import { createServer as createHttp, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createHttps } from 'node:https';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA bundle of partner client certificates; set = clients may present one. */
  clientCa?: string | Buffer;
}

export const SERVER_TIMEOUTS = { requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 } as const;

/**
 * With a client CA, a client certificate is requested but not required at the TLS layer
 * (`rejectUnauthorized: false`): app clients may still use bearer keys over plain TLS, and
 * the app answers 401 itself to a certificate that did not verify (src/http/auth.ts reads
 * only certificates the TLS layer marked `authorized`).
 */
export function createHttpServer(app: RequestListener, tls?: TlsMaterial): HttpServer {
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
  server.maxHeadersCount = 100;
  return server;
}
