// Shared test helpers: a loopback HTTP server whose answer each test sets, and German-format
// (de-dsc-list) lists signed with a key the test owns, over certificates of the demo PKI.
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCsca, makeDsc, type DemoCertificate } from '../../scripts/demo/pki.js';

export const VECTORS = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors');
export const vectorsPresent = (rel: string): boolean => {
  const ok = existsSync(path.join(VECTORS, rel));
  if (!ok) console.warn(`SKIPPED: vectors missing at ${path.join(VECTORS, rel)}`);
  return ok;
};

export const tempDir = (prefix: string): string => mkdtempSync(path.join(os.tmpdir(), prefix));

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A server on 127.0.0.1 whose behaviour is swapped per test; counts requests. */
export interface TestServer {
  url(p?: string): string;
  handle(h: Handler): void;
  requests: { path: string; ifNoneMatch?: string }[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  let handler: Handler = (_req, res) => {
    res.statusCode = 404;
    res.end();
  };
  const requests: TestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const inm = req.headers['if-none-match'];
    requests.push({ path: req.url ?? '', ...(typeof inm === 'string' ? { ifNoneMatch: inm } : {}) });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p = '/list') => `http://127.0.0.1:${port}${p}`,
    handle: (h) => {
      handler = h;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves fixed bytes with an optional ETag (answers 304 to a matching If-None-Match). */
export function serveBytes(bytes: Uint8Array, etag?: string): Handler {
  return (req, res) => {
    if (etag && req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    if (etag) res.setHeader('ETag', etag);
    res.setHeader('Content-Type', 'application/json');
    res.end(Buffer.from(bytes));
  };
}

export interface DemoSigners {
  csca: DemoCertificate;
  dscs: DemoCertificate[];
}

/** `n` ES256 DSCs of country `country` under one CSCA. */
export async function demoSigners(n: number, country = 'AT'): Promise<DemoSigners> {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2028-01-01T00:00:00Z');
  const csca = await makeCsca({ country, notBefore, notAfter });
  const dscs: DemoCertificate[] = [];
  for (let i = 0; i < n; i++) dscs.push(await makeDsc(csca, { country, name: `Test DSC ${country} ${i}`, notBefore, notAfter }));
  return { csca, dscs };
}

export interface ListKey {
  privateKey: KeyObject;
  anchorPem: string;
}

export function listKey(): ListKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, anchorPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export const kidB64 = (der: Uint8Array): string => createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');

/** A de-dsc-list (signature line + JSON) over `certs`, entry i timestamped `base + i days`. */
export function deList(key: ListKey, certs: readonly DemoCertificate[], country = 'AT', base = new Date('2026-06-01T00:00:00Z')): Uint8Array {
  const certificates = certs.map((c, i) => ({
    certificateType: 'DSC',
    country,
    kid: kidB64(c.der),
    rawData: Buffer.from(c.der).toString('base64'),
    signature: 'opaque',
    thumbprint: createHash('sha256').update(c.der).digest('hex'),
    timestamp: new Date(base.getTime() + i * 86_400_000).toISOString().replace('.000Z', '+00:00'),
  }));
  const payload = Buffer.from(JSON.stringify({ certificates }), 'utf8');
  const sig = sign('sha256', payload, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return new Uint8Array(Buffer.concat([Buffer.from(sig.toString('base64') + '\n'), payload]));
}
