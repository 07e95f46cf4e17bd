// The bad-input catalogue of research/security.md §2 as named HTTP tests. Each hostile input
// gets a coded answer (a problem for transport faults, a 200 INVALID report with a contract
// code for certificate faults) in under 50 ms, and the server is still up afterwards.
import { deflateRawSync, deflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { encodeBase45 } from '../../src/formats/dcc/base45.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { hc1 } from '../helpers/service.js';
import { bearer, edgeService, KEYS, writeClientsFile } from './edge-helpers.js';

const BUDGET_MS = 50;
const wrap = (cose: Uint8Array) => `HC1:${encodeBase45(deflateSync(cose))}`;
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

let svc: Awaited<ReturnType<typeof edgeService>>;
let server: Server;
let validQr: string;
beforeAll(async () => {
  svc = await edgeService({ edge: { clientsFile: writeClientsFile() } });
  server = svc.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  validQr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
  // Warm the routes, so the budget measures the work and not the first compilation.
  for (let i = 0; i < 20; i++) await post({ qr: i % 2 ? validQr : 'HC1:GGW' });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await svc.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  const req = request(server).post('/v1/verify').set('authorization', bearer(KEYS.partner));
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return typeof body === 'string' ? req.set('content-type', headers['content-type'] ?? 'application/json').send(body) : req.send(body as object);
}

/**
 * The fastest of up to three tries (stopping at the first within budget): a test run on a
 * shared 2-core machine can lose a few milliseconds to a neighbour, which says nothing about
 * the service; three slow answers in a row would.
 */
async function timed<T>(f: () => Promise<T>): Promise<{ res: T; ms: number }> {
  let best: { res: T; ms: number } | undefined;
  for (let i = 0; i < 3 && (!best || best.ms >= BUDGET_MS); i++) {
    const t = performance.now();
    const res = await f();
    const ms = performance.now() - t;
    if (!best || ms < best.ms) best = { res, ms };
  }
  return best!;
}

async function stillUp(): Promise<void> {
  expect((await request(server).get('/healthz')).status).toBe(200);
  const ok = await post({ qr: validQr, at: '2021-10-01T10:00:00Z' });
  expect(ok.body.outcome).toBe('VALID');
}

/** Certificate-level hostile inputs: 200, INVALID, exactly this code, within the budget. */
const CERT_CASES: { id: string; what: string; qr: () => string; code: string | string[] }[] = [
  { id: 'B-1', what: 'HC2: prefix', qr: () => 'HC2:NCFOXN%TS3DH', code: 'UNSUPPORTED_FORMAT' },
  { id: 'B-1', what: 'HL0: prefix', qr: () => 'HL0:NCFOXN%TS3DH', code: 'UNSUPPORTED_FORMAT' },
  { id: 'B-1', what: 'no prefix', qr: () => 'NCFOXN%TS3DH', code: 'UNSUPPORTED_FORMAT' },
  { id: 'B-2', what: 'Base45 triple over 65535 (GGW)', qr: () => 'HC1:GGW', code: 'BASE45_INVALID' },
  { id: 'B-3', what: 'Base45 ::: (91124)', qr: () => 'HC1::::', code: 'BASE45_INVALID' },
  { id: 'B-3', what: 'Base45 final pair over 255 (::)', qr: () => 'HC1:00::', code: 'BASE45_INVALID' },
  { id: 'B-4', what: 'Base45 length ≡ 1 mod 3', qr: () => 'HC1:0', code: 'BASE45_INVALID' },
  { id: 'B-5', what: 'lowercase outside the alphabet', qr: () => 'HC1:abc', code: 'BASE45_INVALID' },
  { id: 'B-5', what: 'tilde, NUL, emoji', qr: () => 'HC1:~\u0000😀', code: 'BASE45_INVALID' },
  { id: 'B-7', what: 'valid Base45 of random bytes', qr: () => `HC1:${encodeBase45(Buffer.from('0123456789abcdef0123456789'))}`, code: 'DECOMPRESSION_FAILED' },
  { id: 'Z-1', what: '1 KB inflation bomb (1 MB of zeros)', qr: () => `HC1:${encodeBase45(deflateSync(Buffer.alloc(1 << 20), { level: 9 }))}`, code: 'PAYLOAD_TOO_LARGE' },
  { id: 'Z-2', what: 'zlib stream plus trailing garbage', qr: () => `HC1:${encodeBase45(Buffer.concat([deflateSync(hex('8440a040 40')), Buffer.from('GARBAGE')]))}`, code: 'DECOMPRESSION_FAILED' },
  { id: 'Z-3', what: 'raw deflate without zlib header', qr: () => `HC1:${encodeBase45(deflateRawSync(hex('8440a04040')))}`, code: 'DECOMPRESSION_FAILED' },
  { id: 'Z-5', what: 'truncated zlib stream', qr: () => `HC1:${encodeBase45(deflateSync(Buffer.alloc(500, 1)).subarray(0, 8))}`, code: 'DECOMPRESSION_FAILED' },
  { id: 'C-1', what: '10,000-deep CBOR arrays', qr: () => wrap(Buffer.concat([Buffer.alloc(10_000, 0x81), hex('00')])), code: 'PAYLOAD_TOO_LARGE' },
  { id: 'C-2', what: '100,000 nested tags', qr: () => wrap(Buffer.concat([Buffer.alloc(100_000, 0xc1), hex('00')])), code: ['PAYLOAD_TOO_LARGE', 'CBOR_INVALID'] },
  { id: 'C-3', what: 'byte string claiming 4 GiB', qr: () => wrap(hex('5a ffffffff 00')), code: ['CBOR_INVALID', 'PAYLOAD_TOO_LARGE'] },
  { id: 'C-3', what: 'array claiming 4 G items', qr: () => wrap(hex('9a ffffffff 00')), code: ['CBOR_INVALID', 'PAYLOAD_TOO_LARGE'] },
  { id: 'C-4', what: 'chain of 9a headers (cbor-x #142)', qr: () => wrap(Buffer.concat(Array.from({ length: 2000 }, () => hex('9a 7fffffff')))), code: ['CBOR_INVALID', 'PAYLOAD_TOO_LARGE'] },
  { id: 'C-11', what: 'trailing bytes after the COSE item', qr: () => wrap(hex('d2 84 43a10126 a0 40 40 00')), code: 'CBOR_INVALID' },
  { id: 'S-1', what: 'COSE_Sign (tag 98) instead of COSE_Sign1', qr: () => wrap(hex('d862 84 43a10126 a0 40 80')), code: 'CBOR_INVALID' },
  { id: 'S-1', what: 'COSE array of 3', qr: () => wrap(hex('d2 83 43a10126 a0 40')), code: 'CBOR_INVALID' },
  { id: 'C-8', what: 'tag 27 (RegExp) as payload', qr: () => wrap(hex('d2 84 43a10126 a0 d81b 82 6128 60 40')), code: 'CBOR_INVALID' },
];

describe('bad-input catalogue (research/security.md §2): certificate layers', () => {
  for (const c of CERT_CASES) {
    it(`${c.id} ${c.what} → 200 INVALID ${String(c.code)} in < ${BUDGET_MS} ms`, async () => {
      const qr = c.qr();
      const { res, ms } = await timed(() => post({ qr }));
      expect(res.status).toBe(200);
      expect(res.body.outcome).toBe('INVALID');
      const codes = res.body.errors.map((e: { code: string }) => e.code);
      expect(codes).toHaveLength(1);
      expect(ERROR_CODES).toContain(codes[0]);
      expect(Array.isArray(c.code) ? c.code : [c.code]).toContain(codes[0]);
      expect(ms).toBeLessThan(BUDGET_MS);
      await stillUp();
    });
  }
});

describe('bad-input catalogue: transport (X-*)', () => {
  it(`X-1 a 2 MB body → 413 in < ${BUDGET_MS} ms, before any decoding`, async () => {
    const body = JSON.stringify({ qr: 'A'.repeat(2 * 1024 * 1024) });
    const { res, ms } = await timed(() => post(body));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('BODY_TOO_LARGE');
    expect(ms).toBeLessThan(BUDGET_MS);
    await stillUp();
  });

  it('X-1 a 2 MB body without Content-Length (chunked) → 413 as well', async () => {
    const { request: httpRequest } = await import('node:http');
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/verify', headers: { 'content-type': 'application/json', authorization: bearer(KEYS.partner) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      req.write('{"qr":"');
      for (let i = 0; i < 32; i++) req.write('A'.repeat(64 * 1024));
      req.end('"}');
    });
    expect(status).toBe(413);
    await stillUp();
  });

  it('X-2 wrong Content-Type (text/plain, multipart, JSON in UTF-16) → 415', async () => {
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
      const { res, ms } = await timed(() => post(`{"qr":"${validQr}"}`, { 'content-type': type }));
      expect(res.status).toBe(415);
      expect(ms).toBeLessThan(BUDGET_MS);
    }
    const utf16 = await post(`{"qr":"x"}`, { 'content-type': 'application/json; charset=utf-16' });
    expect(utf16.status).toBe(415);
    await stillUp();
  });

  it('X-4 arrays where strings are expected, and query parameters, are refused or ignored', async () => {
    expect((await post({ qr: ['a', 'b'] })).status).toBe(400);
    expect((await post({ qr: { $gt: '' } })).status).toBe(400);
    const q = await request(server).post('/v1/verify?qr=a&qr=b').set('authorization', bearer(KEYS.partner)).send({ qr: 'HC1:GGW' });
    expect(q.body.errors[0].code).toBe('BASE45_INVALID');
  });

  it('X-5 spoofed client-certificate and forwarding headers do not authenticate', async () => {
    const res = await request(server)
      .post('/v1/verify')
      .set('x-ssl-client-sha256', 'a'.repeat(64))
      .set('x-ssl-client-verify', 'SUCCESS')
      .set('x-forwarded-client-cert', 'Hash=aaaa')
      .set('x-forwarded-for', '127.0.0.1')
      .send({ qr: validQr });
    expect(res.status).toBe(401);
  });

  it('X-6 __proto__ and constructor.prototype in the body change no prototype', async () => {
    const res = await post(`{"qr":"HC1:GGW","__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}`);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it(`X-7 JSON nested 30,000 deep → 400 in < ${BUDGET_MS} ms`, async () => {
    const deep = `{"qr":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const { res, ms } = await timed(() => post(deep));
    expect(res.status).toBe(400);
    expect(ms).toBeLessThan(BUDGET_MS);
    await stillUp();
  });

  it('X-8 duplicate JSON keys in a plain API body: the last wins (tolerated, documented)', async () => {
    const res = await post(`{"qr":"HC1:GGW","qr":"HC2:X"}`);
    expect(res.body.errors[0].code).toBe('UNSUPPORTED_FORMAT');
  });

  it('R-1 10,000-character strings in every field are refused fast (length before regex)', async () => {
    const long = `${'a'.repeat(10_000)}!`;
    const { res, ms } = await timed(() => post({ qr: 'HC1:GGW', at: long, arrivalCountry: long }));
    expect(res.status).toBe(400);
    expect(ms).toBeLessThan(BUDGET_MS);
  });
});
