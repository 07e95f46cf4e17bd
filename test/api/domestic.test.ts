// Issue 3 at the HTTP level: every row of the default table (domestic-policy.md), each
// profile's distinguishing rows, several certificates of one person, business rules, and a
// policy number changed in a file changing the answer.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { recovery, test as testCert, vaccination } from '../../scripts/demo/samples.js';
import { hc1, testService } from '../helpers/service.js';

type Svc = Awaited<ReturnType<typeof testService>>;
let svc: Svc;
beforeAll(async () => {
  svc = await testService();
});

async function domestic(app: Svc['app'], dcc: unknown, at: string) {
  const res = await request(app).post('/v1/verify').send({ qr: hc1(svc.pki, dcc), at });
  expect(res.status).toBe(200);
  return res.body.domestic as { status: string; reasons: string[]; validUntil: string | null; policy: string; reasonTexts: string[] };
}

const v = (dn: number, sd: number, dt: string, mp?: string) => vaccination({ dn, sd, dt, ...(mp ? { mp } : {}) });
const t = (tt: 'LP6464-4' | 'LP217198-3', tr: '260415000' | '260373001', sc: string) => testCert({ tt, tr, sc });

describe('default profile ID-2021-09, one row per line of domestic-policy.md', () => {
  const rows: [string, unknown, string, string, string, string | null][] = [
    ['positive test within 10 days', t('LP6464-4', '260373001', '2021-09-25T08:00:00Z'), '2021-10-01T08:00:00Z', 'BLACK', 'TEST_POSITIVE', '2021-10-05T08:00:00.000Z'],
    ['booster dn > sd', v(3, 2, '2021-09-30'), '2021-10-01T08:00:00Z', 'GREEN', 'VAX_BOOSTED', null],
    ['booster dn = sd > primary doses, no waiting period', v(3, 3, '2021-09-30'), '2021-10-01T08:00:00Z', 'GREEN', 'VAX_BOOSTED', null],
    ['primary complete, 14 days passed', v(2, 2, '2021-09-01'), '2021-09-15T00:00:00Z', 'GREEN', 'VAX_PRIMARY_COMPLETE', null],
    ['primary complete within the 14-day wait', v(2, 2, '2021-09-01'), '2021-09-14T12:00:00Z', 'YELLOW', 'VAX_WAITING_PERIOD', null],
    ['partial dn < sd', v(1, 2, '2021-09-01'), '2021-10-01T08:00:00Z', 'YELLOW', 'VAX_PARTIAL', null],
    ['1/1 of a two-dose product counts complete', v(1, 1, '2021-08-01'), '2021-10-01T08:00:00Z', 'GREEN', 'VAX_PRIMARY_COMPLETE', null],
    ['Jcovden 1/1 is complete', v(1, 1, '2021-08-01', 'EU/1/20/1525'), '2021-10-01T08:00:00Z', 'GREEN', 'VAX_PRIMARY_COMPLETE', null],
    ['product not in the policy', v(2, 2, '2021-08-01', 'EU/9/99/9999'), '2021-10-01T08:00:00Z', 'RED', 'VAX_PRODUCT_NOT_RECOGNISED', null],
    ['2/2 of a 3-dose product (Zifivax)', v(2, 2, '2021-08-01', 'ID:ZIFIVAX'), '2021-10-01T08:00:00Z', 'YELLOW', 'VAX_PARTIAL', null],
    ['negative PCR within 72 h', t('LP6464-4', '260415000', '2021-10-01T08:00:00Z'), '2021-10-03T08:00:00Z', 'GREEN', 'TEST_NEG_NAAT', '2021-10-04T08:00:00.000Z'],
    ['negative rapid antigen within 24 h', t('LP217198-3', '260415000', '2021-10-01T08:00:00Z'), '2021-10-01T20:00:00Z', 'GREEN', 'TEST_NEG_RAT', '2021-10-02T08:00:00.000Z'],
    ['negative PCR outside 72 h', t('LP6464-4', '260415000', '2021-10-01T08:00:00Z'), '2021-10-04T09:00:00Z', 'RED', 'TEST_EXPIRED', null],
    ['negative antigen outside 24 h', t('LP217198-3', '260415000', '2021-10-01T08:00:00Z'), '2021-10-02T09:00:00Z', 'RED', 'TEST_EXPIRED', null],
    ['recovery within df..du and 90 days of fr', recovery({ fr: '2021-09-01', df: '2021-09-12', du: '2022-02-28' }), '2021-10-01T08:00:00Z', 'YELLOW', 'RECOVERED_90D', '2021-11-30T00:00:00.000Z'],
    ['recovery validUntil is du when du comes first', recovery({ fr: '2021-09-01', df: '2021-09-12', du: '2021-10-20' }), '2021-10-01T08:00:00Z', 'YELLOW', 'RECOVERED_90D', '2021-10-20T00:00:00.000Z'],
    ['recovery more than 90 days after fr', recovery({ fr: '2021-06-01', df: '2021-06-12', du: '2021-12-01' }), '2021-10-01T08:00:00Z', 'RED', 'RECOVERY_EXPIRED', null],
    ['positive test older than 10 days', t('LP6464-4', '260373001', '2021-09-01T08:00:00Z'), '2021-10-01T08:00:00Z', 'RED', 'TEST_POSITIVE_EXPIRED', null],
    ['test type not in the policy', { ...t('LP6464-4', '260415000', '2021-10-01T08:00:00Z'), t: [{ ...t('LP6464-4', '260415000', '2021-10-01T08:00:00Z').t[0], tt: '94309-2' }] }, '2021-10-01T10:00:00Z', 'RED', 'TEST_TYPE_NOT_RECOGNISED', null],
    ['test sampled after at', t('LP6464-4', '260415000', '2021-10-01T08:00:00Z'), '2021-10-01T07:00:00Z', 'RED', 'TEST_NOT_YET_VALID', null],
  ];
  for (const [name, dcc, at, status, reason, validUntil] of rows) {
    it(`${name} → ${status} ${reason}`, async () => {
      const d = await domestic(svc.app, dcc, at);
      expect(d).toMatchObject({ status, reasons: [reason], policy: 'ID-2021-09@1' });
      expect(d.validUntil).toBe(validUntil);
      expect(d.reasonTexts).toHaveLength(1);
    });
  }
  it('a certificate that failed verification → INVALID with its error codes', async () => {
    const res = await request(svc.app).post('/v1/verify').send({ qr: hc1(svc.pki, v(2, 2, '2021-08-01'), { signer: 'stranger' }), at: '2021-10-01T08:00:00Z' });
    expect(res.body.domestic).toMatchObject({ status: 'INVALID', reasons: ['KID_UNKNOWN'] });
  });
  it('reason texts follow Accept-Language', async () => {
    const qr = hc1(svc.pki, v(1, 2, '2021-09-01'));
    const en = await request(svc.app).post('/v1/verify').send({ qr, at: '2021-10-01T08:00:00Z' });
    const id = await request(svc.app).post('/v1/verify').set('accept-language', 'id').send({ qr, at: '2021-10-01T08:00:00Z' });
    expect(en.body.domestic.reasons).toEqual(id.body.domestic.reasons);
    expect(en.body.domestic.reasonTexts[0]).not.toBe(id.body.domestic.reasonTexts[0]);
  });
});

describe('other profiles, selected with the policy file', () => {
  it('ID-2022-07: an adult with a complete primary series is YELLOW, a booster GREEN', async () => {
    const s = await testService({ policyFile: join(process.cwd(), 'policies', 'ID-2022-07.json') });
    expect(await domestic(s.app, v(2, 2, '2022-01-01'), '2022-08-01T00:00:00Z')).toMatchObject({ status: 'YELLOW', policy: 'ID-2022-07@1' });
    expect(await domestic(s.app, v(3, 3, '2022-05-01'), '2022-08-01T00:00:00Z')).toMatchObject({ status: 'GREEN', reasons: ['VAX_BOOSTED'] });
  });
  it('ENTRY-SE25-2022: vaccinated → entry OK, negative test → refer, recovery → exempt', async () => {
    const s = await testService({ policyFile: join(process.cwd(), 'policies', 'ENTRY-SE25-2022.json') });
    expect(await domestic(s.app, v(2, 2, '2022-01-01'), '2022-09-10T00:00:00Z')).toMatchObject({ status: 'GREEN', reasons: ['ENTRY_OK_VACCINATED'] });
    expect(await domestic(s.app, t('LP6464-4', '260415000', '2022-09-09T08:00:00Z'), '2022-09-10T00:00:00Z')).toMatchObject({ status: 'RED', reasons: ['ENTRY_REFER_TEST_NOT_ACCEPTED'] });
    expect(await domestic(s.app, recovery({ fr: '2022-08-01', df: '2022-08-12', du: '2023-01-28' }), '2022-09-10T00:00:00Z')).toMatchObject({ status: 'YELLOW', reasons: ['ENTRY_EXEMPT_RECOVERED'] });
  });
  it('changing a number in a policy file changes the answer with no code change', async () => {
    const policy = JSON.parse(readFileSync(join(process.cwd(), 'policies', 'ID-2021-09.json'), 'utf8'));
    policy.tests.types['LP6464-4'].windowHours = 48;
    const file = join(mkdtempSync(join(tmpdir(), 'lintas-policy-')), 'p.json');
    writeFileSync(file, JSON.stringify(policy));
    const s = await testService({ policyFile: file });
    const dcc = t('LP6464-4', '260415000', '2021-10-01T08:00:00Z');
    expect((await domestic(svc.app, dcc, '2021-10-03T20:00:00Z')).status).toBe('GREEN');
    expect((await domestic(s.app, dcc, '2021-10-03T20:00:00Z')).status).toBe('RED');
  });
  it('an invalid policy file stops the service with a message naming the field', async () => {
    const policy = JSON.parse(readFileSync(join(process.cwd(), 'policies', 'ID-2021-09.json'), 'utf8'));
    policy.recovery.windowDays = -1;
    const file = join(mkdtempSync(join(tmpdir(), 'lintas-policy-')), 'bad.json');
    writeFileSync(file, JSON.stringify(policy));
    await expect(testService({ policyFile: file })).rejects.toThrow(/recovery\.windowDays/);
  });
});

describe('POST /v1/holder-status: several certificates of one person', () => {
  const at = '2021-10-01T08:00:00Z';
  it('one dose plus a recovery within 90 days is GREEN (VAX_PARTIAL_PLUS_RECOVERY)', async () => {
    const qrs = [hc1(svc.pki, v(1, 2, '2021-09-01')), hc1(svc.pki, recovery({ fr: '2021-08-01', df: '2021-08-12', du: '2022-01-28' }))];
    const res = await request(svc.app).post('/v1/holder-status').send({ qrs, at });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'GREEN', reasons: ['VAX_PARTIAL_PLUS_RECOVERY'], policy: 'ID-2021-09@1' });
    expect(res.body.results.map((r: { domestic: { status: string } }) => r.domestic.status)).toEqual(['YELLOW', 'YELLOW']);
  });
  it('BLACK wins over a complete vaccination', async () => {
    const qrs = [hc1(svc.pki, v(2, 2, '2021-08-01')), hc1(svc.pki, t('LP6464-4', '260373001', '2021-09-29T08:00:00Z'))];
    const res = await request(svc.app).post('/v1/holder-status').send({ qrs, at });
    expect(res.body.status).toBe('BLACK');
  });
  it('an invalid certificate counts for nothing', async () => {
    const qrs = [hc1(svc.pki, v(2, 2, '2021-08-01')), 'HC1:GGW'];
    const res = await request(svc.app).post('/v1/holder-status').send({ qrs, at });
    expect(res.body.status).toBe('GREEN');
    expect(res.body.results[1].outcome).toBe('INVALID');
  });
  it('certificates of different holders → 422 HOLDER_MISMATCH', async () => {
    const other = { ...v(1, 2, '2021-09-01'), nam: { fn: 'Other', fnt: 'OTHER', gn: 'Person', gnt: 'PERSON' } };
    const qrs = [hc1(svc.pki, v(1, 2, '2021-09-01')), hc1(svc.pki, other)];
    const res = await request(svc.app).post('/v1/holder-status').send({ qrs, at });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('HOLDER_MISMATCH');
  });
  it('refuses 0 or 11 certificates with 400', async () => {
    expect((await request(svc.app).post('/v1/holder-status').send({ qrs: [] })).status).toBe(400);
    expect((await request(svc.app).post('/v1/holder-status').send({ qrs: Array(11).fill('HC1:X') })).status).toBe(400);
  });
});

describe('foreign business rules on /v1/verify with arrivalCountry', () => {
  // The demo rules of ID (trust-lists/rules/ID) are valid from 2025-01-01.
  it('adds a rules block evaluated with the demo rules of ID', async () => {
    const res = await request(svc.app).post('/v1/verify').send({ qr: hc1(svc.pki, v(2, 2, '2025-12-01')), at: '2026-01-10T08:00:00Z', arrivalCountry: 'ID' });
    expect(res.body.rules).toMatchObject({ result: 'PASSED', failed: [] });
    expect(res.body.rules.evaluated).toBeGreaterThan(0);
  });
  it('FAILS a rule (e.g. a partial vaccination) and names it', async () => {
    const res = await request(svc.app).post('/v1/verify').send({ qr: hc1(svc.pki, v(1, 2, '2025-12-01')), at: '2026-01-10T08:00:00Z', arrivalCountry: 'ID' });
    expect(res.body.rules.result).toBe('FAILED');
    expect(res.body.rules.failed.length).toBeGreaterThan(0);
    expect(res.body.rules.failed[0].identifier).toMatch(/^VR-ID-/);
  });
  it('is OPEN for a country without rules, and absent without arrivalCountry', async () => {
    const qr = hc1(svc.pki, v(2, 2, '2025-12-01'));
    const open = await request(svc.app).post('/v1/verify').send({ qr, at: '2026-01-10T08:00:00Z', arrivalCountry: 'FR' });
    expect(open.body.rules.result).toBe('OPEN');
    const none = await request(svc.app).post('/v1/verify').send({ qr, at: '2026-01-10T08:00:00Z' });
    expect(none.body.rules).toBeUndefined();
  });
});
