// Mutual TLS for partner gateways (research/security.md §4.7): a client certificate issued
// by TLS_CLIENT_CA whose SHA-256 fingerprint a client lists is that client; a certificate of
// the right CA but not listed, or of another CA, is not; bearer keys still work over TLS.
// Certificates are made on the spot with the openssl CLI; the server listens on 127.0.0.1.
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/http/auth.js';
import { createHttpServer } from '../../src/http/server.js';
import { bearer, edgeService, KEYS, writeClientsFile } from './edge-helpers.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!haveOpenssl) console.warn('[mtls] SKIPPED: the openssl CLI is missing');

const dir = mkdtempSync(join(tmpdir(), 'lintas-mtls-'));
const f = (name: string) => join(dir, name);
function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}
function ca(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`);
}
function issue(name: string, by: string, extra: string[] = []): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${by}.pem`), '-CAkey', f(`${by}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', ...extra);
}
const fingerprint = (name: string) => new X509Certificate(readFileSync(f(`${name}.pem`))).fingerprint256.replace(/:/g, '').toLowerCase();

describe.skipIf(!haveOpenssl)('mutual TLS', () => {
  let server: Server;
  let port: number;
  let svc: Awaited<ReturnType<typeof edgeService>>;
  beforeAll(async () => {
    ca('partner-ca');
    ca('rogue-ca');
    ca('server-ca');
    writeExt();
    issue('server', 'server-ca', ['-extfile', f('server.ext')]);
    issue('nl-gw', 'partner-ca');
    issue('unlisted-gw', 'partner-ca');
    issue('rogue-gw', 'rogue-ca');
    const clients = writeClientsFile({
      clients: [
        { id: 'nl-gateway-mtls', certSha256: fingerprint('nl-gw'), scopes: ['verify'], requestsPerMinute: 100 },
        { id: 'id-app', keySha256: sha256Hex(KEYS.app), scopes: ['verify'] },
      ],
    });
    svc = await edgeService({ edge: { clientsFile: clients } });
    server = createHttpServer(svc.app, { cert: readFileSync(f('server.pem')), key: readFileSync(f('server.key')), clientCa: readFileSync(f('partner-ca.pem')) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await svc?.close();
  });

  function writeExt(): void {
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\n' > '${f('server.ext')}'`]);
  }

  function call(path: string, opts: { client?: string; auth?: string } = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'GET',
          ca: readFileSync(f('server-ca.pem')),
          ...(opts.client ? { cert: readFileSync(f(`${opts.client}.pem`)), key: readFileSync(f(`${opts.client}.key`)) } : {}),
          headers: { ...(opts.auth ? { authorization: opts.auth } : {}), 'x-ssl-client-sha256': fingerprint('nl-gw') },
          agent: false,
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('a listed client certificate is the client: 200 without any key', async () => {
    expect((await call('/v1/trust', { client: 'nl-gw' })).status).toBe(200);
    expect(svc.logs.text()).toMatch(/"client":"nl-gateway-mtls"/);
  });

  it('a certificate of the right CA that no client lists → 401', async () => {
    const res = await call('/v1/trust', { client: 'unlisted-gw' });
    expect(res.status).toBe(401);
  });

  it('a certificate of another CA → 401 (not trusted), even with the listed fingerprint in a header', async () => {
    const res = await call('/v1/trust', { client: 'rogue-gw' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).detail).toMatch(/not trusted/);
  });

  it('no certificate: a bearer key still works, nothing at all is 401', async () => {
    expect((await call('/v1/trust', { auth: bearer(KEYS.app) })).status).toBe(200);
    expect((await call('/v1/trust')).status).toBe(401);
  });

  it('the certificate client has only its own scopes: admin → 403', async () => {
    expect((await call('/v1/admin/clients', { client: 'nl-gw' })).status).toBe(403);
  });

  it('open routes need no certificate', async () => {
    expect((await call('/healthz')).status).toBe(200);
  });
});
