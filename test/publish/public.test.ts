// The publishing routes are public (contract "Endpoints": anyone, public signed trust material;
// /dgca/* as the EU backend serves them): with CLIENTS_FILE set, they answer without credentials
// while /v1/trust and the verify routes still ask for a client.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeService, writeClientsFile } from '../http/edge-helpers.js';

let svc: Awaited<ReturnType<typeof edgeService>>;
beforeAll(async () => {
  svc = await edgeService({ edge: { clientsFile: writeClientsFile() } });
});
afterAll(() => svc.close());

describe('publishing routes with CLIENTS_FILE set', () => {
  it('export, its key, the JWK set and /dgca/* answer 200 without credentials', async () => {
    for (const path of ['/v1/trust/export', '/v1/trust/export/key', '/.well-known/jwks.json', '/dgca/context', '/dgca/signercertificateStatus', '/dgca/rules', '/dgca/valuesets', '/dgca/countrylist']) {
      expect((await request(svc.app).get(path)).status, path).toBe(200);
    }
    expect([200, 204]).toContain((await request(svc.app).get('/dgca/signercertificateUpdate')).status);
  });

  it('the guarded routes still refuse an anonymous caller (401 UNAUTHORIZED)', async () => {
    const trust = await request(svc.app).get('/v1/trust');
    expect(trust.status).toBe(401);
    expect(trust.body.code).toBe('UNAUTHORIZED');
    const verify = await request(svc.app).post('/v1/verify').send({ qr: 'HC1:X', receipt: true });
    expect(verify.status).toBe(401);
  });
});
