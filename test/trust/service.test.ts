// The refresher inside the service (compose.ts): a url source served on loopback, its staleness
// in /v1/trust, /metrics and the report (TRUST_SOURCE_STALE), POST /v1/admin/trust/refresh with
// the admin scope, and a restart with the source down that still verifies.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/compose.js';
import { issueHc1 } from '../../scripts/demo/sign-hc1.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { ClientRegistry } from '../../src/http/auth.js';
import { createLogger } from '../../src/logger.js';
import { deList, demoSigners, type DemoSigners, listKey, serveBytes, startServer, tempDir, type TestServer } from './helpers.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const T0 = new Date('2026-11-25T10:00:00Z');

describe('trust refresher in the service', () => {
  let server: TestServer;
  let pki: DemoSigners;
  let dir: string;
  let dataDir: string;
  let clock = T0;
  let good: Uint8Array;
  const services: Service[] = [];

  beforeAll(async () => {
    server = await startServer();
    pki = await demoSigners(2);
    const key = listKey();
    good = deList(key, pki.dscs);
    const root = tempDir('svc-trust-');
    dir = path.join(root, 'lists');
    dataDir = path.join(root, 'data');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'anchor.pem'), key.anchorPem);
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'remote', type: 'de-dsc-list', url: server.url('/list'), anchor: 'anchor.pem', staleAfterSeconds: 3600 }] }));
  });
  afterAll(async () => {
    for (const s of services) await s.close();
    await server.close();
  });

  const make = async () => {
    const clients = ClientRegistry.parse({ clients: [{ id: 'ops', keySha256: createHash('sha256').update(ADMIN_KEY).digest('hex'), scopes: ['admin', 'verify'] }] });
    const s = await createService({ trustListsDir: dir, dataDir, now: () => clock, logger: createLogger({ level: 'silent' }), trustRefresh: false, edge: { clients } });
    services.push(s);
    return s;
  };
  const qr = () =>
    issueHc1(
      { iss: 'AT', iat: Math.floor(T0.getTime() / 1000) - 86400, exp: Math.floor(T0.getTime() / 1000) + 86400 * 300, dcc: vaccination({ dn: 2, sd: 2, dt: '2026-10-01', co: 'AT' }) },
      { alg: 'ES256', key: pki.dscs[0]!.privateKey, kid: pki.dscs[0]!.kid },
    );
  const auth = { Authorization: `Bearer ${ADMIN_KEY}` };

  it('admin refresh loads the url source; /v1/trust and /metrics show it; a stale source warns in the report', async () => {
    server.handle(serveBytes(good));
    const s = await make();
    expect(s.trust.ready()).toBe(false);
    await request(s.app).post('/v1/admin/trust/refresh').expect(401);
    const refreshed = await request(s.app).post('/v1/admin/trust/refresh').set(auth).expect(200);
    expect(refreshed.body.sources[0]).toMatchObject({ id: 'remote', signerCount: 2, origin: 'url' });
    const ok = await request(s.app).post('/v1/verify').set(auth).send({ qr: qr(), at: T0.toISOString() }).expect(200);
    expect(ok.body.warnings.map((w: { code: string }) => w.code)).not.toContain('TRUST_SOURCE_STALE');
    expect(ok.body.signer.source).toBe('remote');

    server.handle((req) => req.socket.destroy());
    clock = new Date(T0.getTime() + 2 * 3600_000);
    await request(s.app).post('/v1/admin/trust/refresh').set(auth).expect(200);
    const trust = await request(s.app).get('/v1/trust').set(auth).expect(200);
    expect(trust.body.sources[0]).toMatchObject({ id: 'remote', stale: true, errorCode: 'SOURCE_DOWN', signerCount: 2, ageSeconds: 7200 });
    const stale = await request(s.app).post('/v1/verify').set(auth).send({ qr: qr(), at: T0.toISOString() }).expect(200);
    expect(stale.body.outcome).toBe('VALID');
    expect(stale.body.warnings.map((w: { code: string }) => w.code)).toContain('TRUST_SOURCE_STALE');
    const metrics = await request(s.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/trust_source_signers\{source="remote"\} 2/);
    expect(metrics.text).toMatch(/trust_source_age_seconds\{source="remote"\} 7200/);
    expect(metrics.text).toMatch(/trust_source_stale\{source="remote"\} 1/);
  });

  it('a restart with the source down verifies from the last good copy in DATA_DIR', async () => {
    const s = await make();
    expect(s.trust.ready()).toBe(true);
    const res = await request(s.app).post('/v1/verify').set(auth).send({ qr: qr(), at: T0.toISOString() }).expect(200);
    expect(res.body.outcome).toBe('VALID');
    expect(s.trust.summary(clock).sources[0]).toMatchObject({ origin: 'snapshot', lastSuccess: T0.toISOString() });
  });
});
