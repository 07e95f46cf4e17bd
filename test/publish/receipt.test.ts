// Verification receipts (contract `receipt` of POST /v1/verify): a compact JWS, ES256, `kid` in
// the header, verifiable with GET /.well-known/jwks.json; its payload is the contract's list and
// never a name, a date of birth or the QR text. The receipts are checked two ways, neither of
// them the signing code: jose's compactVerify against the served JWK set, and node:crypto's raw
// ECDSA verify (ieee-p1363) with the JWK imported on its own.
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaccination } from '../../scripts/demo/samples.js';
import { hc1, testService } from '../helpers/service.js';

/** The contract's list, exactly (contract "POST /v1/verify", `receipt`). */
const PAYLOAD_KEYS = ['checkedAt', 'format', 'outcome', 'policy', 'qrSha256', 'reasons', 'signerCountry', 'snapshot', 'status', 'validUntil'];

let svc: Awaited<ReturnType<typeof testService>>;
let jwks: JSONWebKeySet;
const at = '2021-10-01T10:00:00Z';

beforeAll(async () => {
  svc = await testService();
  const res = await request(svc.app).get('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/application\/jwk-set\+json/);
  jwks = JSON.parse(res.text) as JSONWebKeySet;
});
afterAll(() => svc.close());

/** Verifies with node:crypto alone: ES256 is ECDSA P-256/SHA-256 over `header.payload`, r‖s. */
function verifiesWithNodeCrypto(jws: string): boolean {
  const [h, p, s] = jws.split('.');
  const key = createPublicKey({ key: jwks.keys[0] as object, format: 'jwk' } as Parameters<typeof createPublicKey>[0]);
  return cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'));
}

async function payloadOf(jws: string): Promise<Record<string, unknown>> {
  const { payload } = await compactVerify(jws, createLocalJWKSet(jwks));
  return JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
}

/** A copy of `jws` with one byte of the given part changed (a base64url character swapped). */
function flipped(jws: string, part: 0 | 1 | 2): string {
  const parts = jws.split('.');
  const s = parts[part]!;
  const i = Math.floor(s.length / 2);
  parts[part] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return parts.join('.');
}

describe('POST /v1/verify with "receipt": true', () => {
  it('valid certificate: the receipt verifies with the served JWK set and states the verdict', async () => {
    const qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
    const res = await request(svc.app).post('/v1/verify').send({ qr, at, receipt: true });
    expect(res.status).toBe(200);
    const jws = res.body.receipt as string;
    expect(jws.split('.')).toHaveLength(3);
    const header = decodeProtectedHeader(jws);
    expect(header.alg).toBe('ES256');
    expect(header.kid).toBe(jwks.keys[0]!.kid);
    const payload = await payloadOf(jws);
    expect(verifiesWithNodeCrypto(jws)).toBe(true);
    expect(Object.keys(payload).sort()).toEqual(PAYLOAD_KEYS);
    const trust = (await request(svc.app).get('/v1/trust')).body as { snapshot: string };
    expect(payload).toEqual({
      outcome: 'VALID',
      format: 'EU_DCC',
      status: res.body.domestic.status,
      reasons: res.body.domestic.reasons,
      validUntil: res.body.domestic.validUntil,
      policy: res.body.domestic.policy,
      checkedAt: new Date(at).toISOString(),
      signerCountry: 'XA',
      snapshot: trust.snapshot,
      qrSha256: createHash('sha256').update(qr, 'utf8').digest('hex'),
    });
  });

  it('one byte changed in the header, the payload or the signature: refused', async () => {
    const qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
    const jws = (await request(svc.app).post('/v1/verify').send({ qr, at, receipt: true })).body.receipt as string;
    for (const part of [0, 1, 2] as const) {
      const bad = flipped(jws, part);
      expect(bad).not.toBe(jws);
      await expect(compactVerify(bad, createLocalJWKSet(jwks))).rejects.toThrow();
      expect(verifiesWithNodeCrypto(bad)).toBe(false);
    }
  });

  it('canary: the payload holds no name, no date of birth, no QR text, no certificate field', async () => {
    const canary = vaccination({ dn: 2, sd: 2, dt: '2021-08-01', ci: 'URN:UVCI:01:XA:CANARYUVCI0001#X' });
    canary.nam = { fn: 'Canaryfamilia', fnt: 'CANARYFAMILIA', gn: 'Canarygiven', gnt: 'CANARYGIVEN' } as typeof canary.nam;
    canary.dob = '1931-07-29';
    const qr = hc1(svc.pki, canary);
    const res = await request(svc.app).post('/v1/verify').send({ qr, at, receipt: true });
    expect(res.body.holder.familyName).toBe('Canaryfamilia'); // the report itself does carry it
    const jws = res.body.receipt as string;
    const decoded = Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8') + Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8');
    for (const secret of ['Canary', 'CANARY', '1931-07-29', '1931', 'URN:UVCI', qr, qr.slice(4, 40)]) {
      expect(decoded).not.toContain(secret);
    }
    expect(Object.keys(await payloadOf(jws)).sort()).toEqual(PAYLOAD_KEYS);
  });

  it('invalid certificate: a receipt of the INVALID verdict, with no signer country', async () => {
    const res = await request(svc.app).post('/v1/verify').send({ qr: 'HC1:NOTBASE45!!', receipt: true });
    const payload = await payloadOf(res.body.receipt as string);
    expect(payload).toMatchObject({ outcome: 'INVALID', status: 'INVALID', signerCountry: null });
    expect(payload['reasons']).toEqual(res.body.domestic.reasons);
  });

  it('no receipt unless asked; a receipt flag that is not a boolean is a 400 INVALID_REQUEST', async () => {
    const qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
    expect((await request(svc.app).post('/v1/verify').send({ qr, at })).body).not.toHaveProperty('receipt');
    expect((await request(svc.app).post('/v1/verify').send({ qr, at, receipt: false })).body).not.toHaveProperty('receipt');
    const bad = await request(svc.app).post('/v1/verify').send({ qr, at, receipt: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_REQUEST');
  });
});

describe('POST /v1/verify/batch with a receipt per item', () => {
  it('only the items that ask carry one, each for its own certificate', async () => {
    const one = hc1(svc.pki, vaccination({ dn: 1, sd: 2, dt: '2021-07-01' }));
    const two = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
    const res = await request(svc.app)
      .post('/v1/verify/batch')
      .send({ items: [{ qr: one, at, receipt: true }, { qr: two, at }, { qr: two, at, receipt: true }] });
    expect(res.status).toBe(200);
    const [a, b, c] = res.body.results as { receipt?: string; domestic: { status: string } }[];
    expect(b).not.toHaveProperty('receipt');
    const pa = await payloadOf(a!.receipt!);
    const pc = await payloadOf(c!.receipt!);
    expect(pa['qrSha256']).toBe(createHash('sha256').update(one).digest('hex'));
    expect(pc['qrSha256']).toBe(createHash('sha256').update(two).digest('hex'));
    expect(pa['status']).toBe(a!.domestic.status);
    expect(pc['status']).toBe(c!.domestic.status);
  });
});
