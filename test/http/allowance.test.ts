// The client's allowance taken at admission (issue #12 items 2 and 4): a single verification
// makes one trip to the rate-limit store (its address check and its client use together), a
// request refused after admission uses none of the allowance, and an address that used up its
// failed authentications is refused whatever its key and whatever else the request gets wrong.
// Certificates are signed by the test PKI (test/helpers/service.ts).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaccination } from '../../scripts/demo/samples.js';
import { sha256Hex } from '../../src/http/auth.js';
import { MemoryRateLimitStore, type KeyedTake, type TakeRequest, type Verdict } from '../../src/http/rate-limit.js';
import { hc1 } from '../helpers/service.js';
import { bearer, clientsJson, edgeService, KEYS, writeClientsFile } from './edge-helpers.js';

const AT = '2021-10-01T10:00:00Z';
const TIGHT_KEY = 'tight-key-0123456789abcdef0123';

/** The memory store, counting the trips made to it. */
class CountingStore extends MemoryRateLimitStore {
  trips: string[] = [];
  override take(key: string, r: TakeRequest): Promise<Verdict> {
    this.trips.push(`take ${key}`);
    return super.take(key, r);
  }
  override takeAll(items: readonly KeyedTake[]): Promise<Verdict[]> {
    this.trips.push(`takeAll ${items.map((i) => i.key).join(',')}`);
    return super.takeAll(items);
  }
}

const store = new CountingStore();
let svc: Awaited<ReturnType<typeof edgeService>>;
let qr: string;
beforeAll(async () => {
  const clients = clientsJson([
    { id: 'tight', keySha256: sha256Hex(TIGHT_KEY), scopes: ['verify'], requestsPerMinute: 3 },
  ]);
  svc = await edgeService({ edge: { clientsFile: writeClientsFile(clients), audit: false, rateLimitStore: store, authFailuresPerMinute: 5 } });
  qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
});
afterAll(() => svc.close());

const verify = (key: string, body: object = { qr, at: AT }) => request(svc.app).post('/v1/verify').set('authorization', bearer(key)).send(body);

describe('the allowance at admission', () => {
  it('a single verification makes one trip to the store: the address check and the client use together', async () => {
    store.trips = [];
    const res = await verify(KEYS.partner);
    expect(res.status).toBe(200);
    expect(store.trips).toHaveLength(1);
    expect(store.trips[0]).toMatch(/^takeAll auth-failures:[0-9a-f.:]+,nl-gateway$/);
    expect(res.headers['ratelimit-limit']).toBe('1000');
  });

  it('requests refused after admission (400, 415) use none of the allowance: a client of 3/min then verifies 3', async () => {
    const bad = [
      await verify(TIGHT_KEY, { qr: 42 }),
      await verify(TIGHT_KEY, { at: AT }),
      await request(svc.app).post('/v1/verify').set('authorization', bearer(TIGHT_KEY)).set('content-type', 'text/plain').send('x'),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 415]);
    const good = [await verify(TIGHT_KEY), await verify(TIGHT_KEY), await verify(TIGHT_KEY)];
    expect(good.map((r) => r.status)).toEqual([200, 200, 200]);
    const over = await verify(TIGHT_KEY);
    expect(over.status).toBe(429);
    expect((over.body as { code: string }).code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('a batch larger than what is left is refused whole, and the use taken at admission goes back', async () => {
    const client = { id: 'batchy', key: 'batchy-key-0123456789abcdef0123' };
    // A fresh client of 3/min in the same service: registered through its own file.
    const local = await edgeService({
      edge: {
        clientsFile: writeClientsFile(clientsJson([{ id: client.id, keySha256: sha256Hex(client.key), scopes: ['verify'], requestsPerMinute: 3 }])),
        audit: false,
      },
    });
    try {
      const item = { qr: hc1(local.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' })), at: AT };
      const batch = await request(local.app).post('/v1/verify/batch').set('authorization', bearer(client.key)).send({ items: [item, item, item, item] });
      expect(batch.status).toBe(429);
      const three = await request(local.app).post('/v1/verify/batch').set('authorization', bearer(client.key)).send({ items: [item, item, item] });
      expect(three.status).toBe(200);
      expect((three.body as { results: unknown[] }).results).toHaveLength(3);
      expect((await request(local.app).post('/v1/verify').set('authorization', bearer(client.key)).send(item)).status).toBe(429);
    } finally {
      await local.close();
    }
  });
});

describe('an address over its failed authentications', () => {
  it('is refused with 429 for a valid key too, and on answers that never reach admission (403, 404 under /v1)', async () => {
    for (let i = 0; i < 5; i++) expect((await verify(`wrong-${i}-0123456789abcdef`)).status).toBe(401);
    const wrong = await verify('wrong-last-0123456789abcdef');
    expect(wrong.status).toBe(429);
    expect((wrong.body as { detail: string }).detail).toContain('failed authentications');
    // A valid key from the same address: refused, so a guesser cannot tell a right key by its answer.
    const right = await verify(KEYS.app);
    expect(right.status).toBe(429);
    expect((right.body as { detail: string }).detail).toContain('failed authentications');
    // Answers given before admission make the check first (the operator lacks the verify scope: 403 elsewhere).
    expect((await request(svc.app).post('/v1/verify').set('authorization', bearer(KEYS.admin)).send({ qr, at: AT })).status).toBe(429);
    expect((await request(svc.app).get('/v1/no-such-route').set('authorization', bearer(KEYS.app))).status).toBe(429);
  });
});
