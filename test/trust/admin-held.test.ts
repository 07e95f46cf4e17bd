// The operator's side of the shrink guard over HTTP: a downloaded list that drops most signers is
// held, shown in /v1/admin/trust/sources/:id, and applied only by POST …/accept-held (admin scope).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/compose.js';
import { ClientRegistry } from '../../src/http/auth.js';
import { createLogger } from '../../src/logger.js';
import { deList, demoSigners, listKey, serveBytes, startServer, tempDir, type TestServer } from './helpers.js';

const ADMIN_KEY = 'admin-key-for-held-tests-0123456789';
const VERIFY_KEY = 'verify-key-for-held-tests-0123456789';
const hash = (k: string) => createHash('sha256').update(k).digest('hex');

describe('held lists over the admin API', () => {
  let server: TestServer;
  let service: Service;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    server = await startServer();
    const pki = await demoSigners(4);
    const key = listKey();
    const root = tempDir('held-');
    const dir = path.join(root, 'lists');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'anchor.pem'), key.anchorPem);
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'remote', type: 'de-dsc-list', url: server.url('/list'), anchor: 'anchor.pem' }] }));
    const full = deList(key, pki.dscs);
    // The shrunk list is newer (its entries carry a later timestamp), so only the guard holds it.
    const shrunk = deList(key, pki.dscs.slice(0, 1), 'AT', new Date('2026-07-01T00:00:00Z'));
    let body = full;
    server.handle((req, res) => serveBytes(body)(req, res));
    const clients = ClientRegistry.parse({
      clients: [
        { id: 'ops', keySha256: hash(ADMIN_KEY), scopes: ['admin'] },
        { id: 'partner', keySha256: hash(VERIFY_KEY), scopes: ['verify'] },
      ],
    });
    service = await createService({
      trustListsDir: dir,
      dataDir: path.join(root, 'data'),
      now: () => new Date('2026-11-25T10:00:00Z'),
      logger: createLogger({ level: 'silent' }),
      trustRefresh: false,
      edge: { clients },
    });
    await request(service.app).post('/v1/admin/trust/refresh').set(admin).expect(200);
    expect(service.trust.summary().sources[0]?.signerCount).toBe(4);
    body = shrunk;
    await request(service.app).post('/v1/admin/trust/refresh').set(admin).expect(200);
  });
  afterAll(async () => {
    await service.close();
    await server.close();
  });

  it('keeps the list in force and shows the held one', async () => {
    const res = await request(service.app).get('/v1/admin/trust/sources/remote').set(admin).expect(200);
    expect(res.body).toMatchObject({ id: 'remote', signerCount: 4 });
    expect(res.body.held).toBeTruthy();
  });

  it('refuses accept-held without the admin scope', async () => {
    await request(service.app).post('/v1/admin/trust/sources/remote/accept-held').expect(401);
    await request(service.app).post('/v1/admin/trust/sources/remote/accept-held').set({ Authorization: `Bearer ${VERIFY_KEY}` }).expect(403);
  });

  it('applies the held list when the operator accepts it, and then holds nothing', async () => {
    const res = await request(service.app).post('/v1/admin/trust/sources/remote/accept-held').set(admin).expect(200);
    expect(res.body).toMatchObject({ id: 'remote', signerCount: 1 });
    const again = await request(service.app).post('/v1/admin/trust/sources/remote/accept-held').set(admin);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('NOTHING_HELD');
    await request(service.app).get('/v1/admin/trust/sources/nope').set(admin).expect(404);
  });
});
