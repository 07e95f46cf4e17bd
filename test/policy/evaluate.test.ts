// Every row of docs/domestic-policy.md "Default profile ID-2021-09" as a named test, against
// the bundled policy file (so a wrong number in the file fails here too).

import { describe, expect, it } from 'vitest';
import type { HealthCertificate, Holder } from '../../src/model.js';
import { ageAt, evaluate, findProduct, invalidDecision, parseInstant } from '../../src/policy/evaluate.js';
import { DEFAULT_POLICY_FILE, loadPolicy } from '../../src/policy/load.js';

// ---- local factory (format EU_DCC, evidence as in src/model.ts) ----
const HOLDER: Holder = {
  familyName: 'Musterfrau-Gößinger',
  givenName: 'Gabriele',
  familyNameStd: 'MUSTERFRAU<GOESSINGER',
  givenNameStd: 'GABRIELE',
  dateOfBirth: '1990-04-12',
};
const AT = new Date('2022-03-01T10:00:00Z');
const H = 3_600_000;
const D = 24 * H;
const before = (ms: number): Date => new Date(AT.getTime() - ms);
const day = (d: Date): string => d.toISOString().slice(0, 10);

function vax(product: string, dn: number, sd: number, date: string, holder: Holder = HOLDER): HealthCertificate {
  return {
    format: 'EU_DCC',
    holder,
    evidence: { type: 'vaccination', product: { code: product }, doseNumber: dn, totalDoses: sd, date },
  };
}
function test(testType: string, sampledAt: Date | string, positive = false, holder: Holder = HOLDER): HealthCertificate {
  return {
    format: 'EU_DCC',
    holder,
    evidence: {
      type: 'test',
      testType: { code: testType },
      sampledAt: typeof sampledAt === 'string' ? sampledAt : sampledAt.toISOString(),
      result: { code: positive ? '260373001' : '260415000' },
      positive,
    },
  };
}
function recovery(firstPositive: string, validFrom: string, validUntil: string, holder: Holder = HOLDER): HealthCertificate {
  return { format: 'EU_DCC', holder, evidence: { type: 'recovery', firstPositive, validFrom, validUntil } };
}
const NAAT = 'LP6464-4';
const RAT = 'LP217198-3';
const COMIRNATY = 'EU/1/20/1528';
const JCOVDEN = 'EU/1/20/1525';

const policy = loadPolicy(DEFAULT_POLICY_FILE);
const ev = (c: HealthCertificate, at: Date = AT) => evaluate(c, policy, at, 'en');

describe('ID-2021-09 default table', () => {
  it('positive test within 10 days → BLACK TEST_POSITIVE (until sc + 10 d)', () => {
    const sc = before(5 * D);
    const d = ev(test(NAAT, sc, true));
    expect(d).toMatchObject({ status: 'BLACK', reasons: ['TEST_POSITIVE'] });
    expect(d.validUntil).toBe(new Date(sc.getTime() + 10 * D).toISOString());
    // the boundary is inclusive: exactly 10 days is still BLACK
    expect(ev(test(NAAT, before(10 * D), true)).status).toBe('BLACK');
  });

  it('positive rapid antigen of any type isolates too (BLACK precedence)', () => {
    expect(ev(test(RAT, before(H), true)).status).toBe('BLACK');
    expect(ev(test('LP99999-9', before(H), true)).status).toBe('BLACK');
  });

  it('booster dn > sd (2/1) → GREEN VAX_BOOSTED', () => {
    expect(ev(vax(COMIRNATY, 2, 1, day(before(30 * D))))).toMatchObject({ status: 'GREEN', reasons: ['VAX_BOOSTED'], validUntil: null });
  });

  it('booster dn = sd > primary doses (3/3 Comirnaty, 2/2 Jcovden) → GREEN VAX_BOOSTED', () => {
    expect(ev(vax(COMIRNATY, 3, 3, day(before(30 * D)))).reasons).toEqual(['VAX_BOOSTED']);
    expect(ev(vax(JCOVDEN, 2, 2, day(before(30 * D)))).reasons).toEqual(['VAX_BOOSTED']);
  });

  it('a booster has no waiting period (dose given on the day of `at`)', () => {
    expect(ev(vax(COMIRNATY, 3, 3, day(AT)))).toMatchObject({ status: 'GREEN', reasons: ['VAX_BOOSTED'] });
  });

  it('primary complete dn = sd = primary, at ≥ dt + 14 d → GREEN VAX_PRIMARY_COMPLETE', () => {
    const d = ev(vax(COMIRNATY, 2, 2, '2022-02-15'), new Date('2022-03-01T00:00:00Z'));
    expect(d).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'], validUntil: null });
  });

  it('primary complete within the 14-day wait → YELLOW VAX_WAITING_PERIOD', () => {
    const d = ev(vax(COMIRNATY, 2, 2, '2022-02-15'), new Date('2022-02-28T23:59:59Z'));
    expect(d).toMatchObject({ status: 'YELLOW', reasons: ['VAX_WAITING_PERIOD'] });
  });

  it('partial dn < sd (1/2) → YELLOW VAX_PARTIAL', () => {
    expect(ev(vax('CoronaVac', 1, 2, '2021-12-01'))).toMatchObject({ status: 'YELLOW', reasons: ['VAX_PARTIAL'] });
  });

  it('2/2 of a 3-dose product (Zifivax) → YELLOW VAX_PARTIAL; 3/3 Zifivax is primary, not booster', () => {
    expect(ev(vax('ID:ZIFIVAX', 2, 2, '2021-12-01'))).toMatchObject({ status: 'YELLOW', reasons: ['VAX_PARTIAL'] });
    expect(ev(vax('ID:ZIFIVAX', 3, 3, '2021-12-01'))).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'] });
  });

  it('1/1 of a two-dose product counts complete (EU one-dose-after-recovery encoding)', () => {
    expect(ev(vax(COMIRNATY, 1, 1, '2021-12-01'))).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'] });
    expect(ev(vax(COMIRNATY, 1, 1, day(before(3 * D))))).toMatchObject({ status: 'YELLOW', reasons: ['VAX_WAITING_PERIOD'] });
  });

  it('1/1 of a single-dose product (Jcovden, Convidecia) is primary complete', () => {
    expect(ev(vax(JCOVDEN, 1, 1, '2021-12-01')).reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
    expect(ev(vax('Convidecia', 1, 1, '2021-12-01')).reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
  });

  it('product not in the table → RED VAX_PRODUCT_NOT_RECOGNISED', () => {
    expect(ev(vax('Sputnik-Light', 1, 1, '2021-12-01'))).toMatchObject({ status: 'RED', reasons: ['VAX_PRODUCT_NOT_RECOGNISED'] });
    expect(ev(vax('', 2, 2, '2021-12-01')).reasons).toEqual(['VAX_PRODUCT_NOT_RECOGNISED']);
  });

  it('negative NAAT ≤ 72 h → GREEN TEST_NEG_NAAT, validUntil = sc + 72 h', () => {
    const sc = before(71 * H);
    expect(ev(test(NAAT, sc))).toEqual({
      status: 'GREEN',
      reasons: ['TEST_NEG_NAAT'],
      reasonTexts: [policy.texts.TEST_NEG_NAAT?.en],
      validUntil: new Date(sc.getTime() + 72 * H).toISOString(),
      policy: 'ID-2021-09@1',
    });
    expect(ev(test(NAAT, before(72 * H))).status).toBe('GREEN'); // inclusive boundary
  });

  it('negative rapid antigen ≤ 24 h → GREEN TEST_NEG_RAT, validUntil = sc + 24 h', () => {
    const sc = before(23 * H);
    expect(ev(test(RAT, sc))).toMatchObject({
      status: 'GREEN',
      reasons: ['TEST_NEG_RAT'],
      validUntil: new Date(sc.getTime() + 24 * H).toISOString(),
    });
  });

  it('negative test outside its window → RED TEST_EXPIRED', () => {
    expect(ev(test(NAAT, before(72 * H + 1)))).toMatchObject({ status: 'RED', reasons: ['TEST_EXPIRED'], validUntil: null });
    expect(ev(test(RAT, before(25 * H)))).toMatchObject({ status: 'RED', reasons: ['TEST_EXPIRED'] });
  });

  it('recovery with df ≤ at ≤ du and at − fr ≤ 90 d → YELLOW RECOVERED_90D, validUntil = fr + 90 d when earlier than du', () => {
    const d = ev(recovery('2022-01-01', '2022-01-12', '2022-06-30'));
    expect(d).toMatchObject({ status: 'YELLOW', reasons: ['RECOVERED_90D'] });
    expect(d.validUntil).toBe('2022-04-01T00:00:00.000Z'); // 2022-01-01 + 90 days
  });

  it('recovery validUntil = du when du is earlier than fr + 90 d', () => {
    expect(ev(recovery('2022-01-01', '2022-01-12', '2022-03-15')).validUntil).toBe('2022-03-15T00:00:00.000Z');
  });

  it('recovery outside its window → RED RECOVERY_EXPIRED (past fr + 90 d, before df, after du)', () => {
    expect(ev(recovery('2021-11-01', '2021-11-12', '2022-04-30'))).toMatchObject({ status: 'RED', reasons: ['RECOVERY_EXPIRED'], validUntil: null });
    expect(ev(recovery('2022-02-20', '2022-03-03', '2022-08-20')).reasons).toEqual(['RECOVERY_EXPIRED']);
    expect(ev(recovery('2022-01-01', '2022-01-12', '2022-02-28')).reasons).toEqual(['RECOVERY_EXPIRED']);
  });

  it('positive test older than 10 days → RED TEST_POSITIVE_EXPIRED', () => {
    expect(ev(test(NAAT, before(10 * D + 1), true))).toMatchObject({ status: 'RED', reasons: ['TEST_POSITIVE_EXPIRED'], validUntil: null });
  });

  it('test type not in the policy → RED TEST_TYPE_NOT_RECOGNISED', () => {
    expect(ev(test('LP12345-6', before(H)))).toMatchObject({ status: 'RED', reasons: ['TEST_TYPE_NOT_RECOGNISED'] });
    // an inherited property name is not a test type
    expect(ev(test('__proto__', before(H))).reasons).toEqual(['TEST_TYPE_NOT_RECOGNISED']);
  });

  it('test sample time after `at` → RED TEST_NOT_YET_VALID', () => {
    expect(ev(test(NAAT, new Date(AT.getTime() + 1)))).toMatchObject({ status: 'RED', reasons: ['TEST_NOT_YET_VALID'] });
    expect(ev(test(NAAT, new Date(AT.getTime() + 1), true)).reasons).toEqual(['TEST_NOT_YET_VALID']);
  });

  it('certificate failed verification → INVALID with reasons left to the caller', () => {
    expect(invalidDecision(policy)).toEqual({ status: 'INVALID', reasons: [], reasonTexts: [], validUntil: null, policy: 'ID-2021-09@1' });
  });
});

describe('product aliases', () => {
  it.each([
    ['CVX:208', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    ['cvx:207', 3, 3, 'VAX_BOOSTED'],
    ['ICD11:XM6QV1', 1, 1, 'VAX_PRIMARY_COMPLETE'],
    ['SNOMED:31311000087104', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    ['Covishield', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    ['COVISHIELD', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    [' covishield ', 1, 2, 'VAX_PARTIAL'],
    ['SNOMED:33471000087102', 2, 2, 'VAX_PARTIAL'], // Zifivax via SNOMED keeps its 3 primary doses
    ['CVX:513', 3, 3, 'VAX_PRIMARY_COMPLETE'],
    ['IndoVac', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    ['ID:AWCORNA', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    ['inavac', 1, 2, 'VAX_PARTIAL'],
    ['NVX-CoV2373', 2, 2, 'VAX_PRIMARY_COMPLETE'],
    ['CVX:213', 2, 2, 'VAX_PRODUCT_NOT_RECOGNISED'], // "unspecified COVID-19 vaccine" is not a product
  ])('%s %i/%i → %s', (code, dn, sd, reason) => {
    expect(ev(vax(code, dn, sd, '2021-12-01')).reasons).toEqual([reason]);
  });

  it('the primary-dose count of every product in domestic-policy.md', () => {
    const expected: Record<string, number> = {
      'EU/1/20/1528': 2, 'EU/1/20/1507': 2, 'EU/1/21/1529': 2, Covishield: 2, 'EU/1/20/1525': 1, Convidecia: 1,
      'BBIBP-CorV': 2, CoronaVac: 2, Covaxin: 2, Covovax: 2, 'EU/1/21/1618': 2, 'Sputnik-V': 2,
      'ID:ZIFIVAX': 3, 'ID:INDOVAC': 2, 'ID:AWCORNA': 2, 'ID:INAVAC': 2,
    };
    expect(Object.fromEntries(policy.products.map((p) => [p.id, p.primaryDoses]))).toEqual(expected);
    expect(findProduct(policy, 'Zifivax')?.id).toBe('ID:ZIFIVAX');
  });
});

describe('evaluate: language, purity and odd input', () => {
  it('reason texts follow the language; codes do not', () => {
    const c = vax('CoronaVac', 1, 2, '2021-12-01');
    const en = evaluate(c, policy, AT, 'en');
    const id = evaluate(c, policy, AT, 'id');
    expect(id.reasons).toEqual(en.reasons);
    expect(en.reasonTexts).toEqual([policy.texts.VAX_PARTIAL?.en]);
    expect(id.reasonTexts).toEqual([policy.texts.VAX_PARTIAL?.id]);
    expect(id.reasonTexts?.[0]).not.toBe(en.reasonTexts?.[0]);
  });

  it('is pure: frozen inputs, same answer twice, `at` decides time', () => {
    const c = structuredClone(test(NAAT, before(10 * H)));
    const frozen = Object.freeze({ ...c, holder: Object.freeze(c.holder), evidence: Object.freeze(c.evidence) });
    const a = evaluate(frozen, policy, AT, 'en');
    expect(evaluate(frozen, policy, AT, 'en')).toEqual(a);
    expect(evaluate(frozen, policy, new Date(AT.getTime() + 3 * D), 'en').reasons).toEqual(['TEST_EXPIRED']);
  });

  it('unreadable dates or dose numbers → RED EVIDENCE_INVALID, never a throw', () => {
    expect(ev(vax(COMIRNATY, 2, 2, 'yesterday')).reasons).toEqual(['EVIDENCE_INVALID']);
    expect(ev(vax(COMIRNATY, 0, 2, '2021-12-01')).reasons).toEqual(['EVIDENCE_INVALID']);
    expect(ev(vax(COMIRNATY, 1.5, 2, '2021-12-01')).reasons).toEqual(['EVIDENCE_INVALID']);
    expect(ev(test(NAAT, 'not a time')).reasons).toEqual(['EVIDENCE_INVALID']);
    expect(ev(recovery('2022-01-01', '', '2022-06-30')).status).toBe('RED');
  });

  it('accepts a date-time in a vaccination date field (real certificates do this)', () => {
    expect(ev(vax(COMIRNATY, 2, 2, '2021-12-01T00:00:00Z')).reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
  });

  it('parseInstant: bare dates are midnight UTC; offsets are honoured', () => {
    expect(parseInstant('2022-01-01')?.toISOString()).toBe('2022-01-01T00:00:00.000Z');
    expect(parseInstant('2022-01-01T07:00:00+07:00')?.toISOString()).toBe('2022-01-01T00:00:00.000Z');
    expect(parseInstant('01/02/2022')).toBeNull();
  });

  it('parseInstant: a day that does not exist, or hour 24, is refused instead of rolled over as Date.parse does', () => {
    // The expectations are the calendar's (RFC 3339 §5.7, appendix C), not another parser's.
    expect(Date.parse('2021-02-30T00:00:00Z')).toBe(Date.parse('2021-03-02T00:00:00Z')); // what a bare Date.parse does
    for (const bad of ['2021-02-30', '2021-02-29', '2100-02-29', '2021-04-31', '2021-00-10', '2021-13-01', '2021-01-00', '2021-01-32', '2021-02-30T10:00:00Z', '2021-02-28T24:00:00Z', '2021-02-28 24:00:00Z', '2021-1-01', '2021-01-01X']) {
      expect(parseInstant(bad), bad).toBeNull();
    }
    expect(parseInstant('2020-02-29')?.toISOString()).toBe('2020-02-29T00:00:00.000Z');
    expect(parseInstant('2000-02-29')?.toISOString()).toBe('2000-02-29T00:00:00.000Z');
    expect(parseInstant(' 2021-12-31 ')?.toISOString()).toBe('2021-12-31T00:00:00.000Z');
    expect(parseInstant('0050-06-01')?.toISOString()).toBe('0050-06-01T00:00:00.000Z');
    expect(parseInstant('2021-02-28 23:59:59Z')?.toISOString()).toBe('2021-02-28T23:59:59.000Z');
    expect(parseInstant('2021-03-01T06:30:00+07:00')?.toISOString()).toBe('2021-02-28T23:30:00.000Z');
  });

  it('a vaccination dated on a day that does not exist is EVIDENCE_INVALID, not counted from the day it rolls over to', () => {
    expect(ev(vax(COMIRNATY, 2, 2, '2021-11-31')).reasons).toEqual(['EVIDENCE_INVALID']);
    expect(ev(vax(COMIRNATY, 2, 2, '2021-11-30')).reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
  });

  it('ageAt: completed years; partial dates of birth read as the earliest day (oldest age)', () => {
    const at = new Date('2022-07-20T00:00:00Z');
    expect(ageAt('2004-07-20', at)).toBe(18);
    expect(ageAt('2004-07-21', at)).toBe(17);
    expect(ageAt('2004', at)).toBe(18);
    expect(ageAt('2004-XX-XX', at)).toBe(18);
    expect(ageAt('2004-12', at)).toBe(17);
    expect(ageAt('', at)).toBeNull();
    expect(ageAt(undefined, at)).toBeNull();
  });
});
