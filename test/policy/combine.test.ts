// Several certificates of one holder (domestic-policy.md "Several certificates of one person").

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Evidence, HealthCertificate, Holder } from '../../src/model.js';
import { HolderMismatchError, combine, normaliseName, sameHolder } from '../../src/policy/combine.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { DEFAULT_POLICY_FILE, loadPolicy } from '../../src/policy/load.js';

const policy = loadPolicy(DEFAULT_POLICY_FILE);

// ---- local factory ----
const AT = new Date('2022-03-01T10:00:00Z');
const H = 3_600_000;
const HOLDER: Holder = {
  familyName: 'Musterfrau-Gößinger',
  givenName: 'Gabriele',
  familyNameStd: 'MUSTERFRAU<GOESSINGER',
  givenNameStd: 'GABRIELE',
  dateOfBirth: '1990-04-12',
};
const cert = (evidence: Evidence, holder: Holder = HOLDER): HealthCertificate => ({ format: 'EU_DCC', holder, evidence });
const vax = (product: string, dn: number, sd: number, date: string) =>
  cert({ type: 'vaccination', product: { code: product }, doseNumber: dn, totalDoses: sd, date });
const test = (tt: string, hoursAgo: number, positive = false) =>
  cert({
    type: 'test',
    testType: { code: tt },
    sampledAt: new Date(AT.getTime() - hoursAgo * H).toISOString(),
    result: { code: positive ? '260373001' : '260415000' },
    positive,
  });
const recovery = (fr: string, df: string, du: string) =>
  cert({ type: 'recovery', firstPositive: fr, validFrom: df, validUntil: du });
const run = (certs: HealthCertificate[]) => combine(certs, policy, AT, 'en');

describe('sameHolder', () => {
  it('compares the standardised names when both certificates carry them', () => {
    expect(sameHolder(HOLDER, { ...HOLDER, familyName: 'Musterfrau Gößinger' })).toBe(true);
    expect(sameHolder(HOLDER, { ...HOLDER, familyNameStd: 'MUSTERFRAU' })).toBe(false);
    expect(sameHolder(HOLDER, { ...HOLDER, givenNameStd: 'GABRIELA' })).toBe(false);
  });

  it('else compares printed names upper-cased, NFC-normalised and trimmed', () => {
    const a: Holder = { familyName: 'Gößinger', givenName: 'Ana  María', dateOfBirth: '1990-04-12' };
    const b: Holder = { familyName: ' GO\u0308SSINGER ', givenName: 'ana maría', dateOfBirth: '1990-04-12' };
    expect(normaliseName(' Go\u0308ßinger ')).toBe('GÖSSINGER'); // NFC, trimmed; upper-casing turns ß into SS
    expect(sameHolder(a, b)).toBe(true);
    expect(sameHolder(a, { ...b, familyName: 'Gossinger' })).toBe(false); // Ö is not O
    expect(sameHolder(a, { ...a, givenName: 'Ana' })).toBe(false);
  });

  it('requires the same date of birth (a date-time in the field counts by its day)', () => {
    expect(sameHolder(HOLDER, { ...HOLDER, dateOfBirth: '1990-04-13' })).toBe(false);
    expect(sameHolder(HOLDER, { ...HOLDER, dateOfBirth: '1990-04-12T00:00:00' })).toBe(true);
    expect(sameHolder(HOLDER, { ...HOLDER, dateOfBirth: undefined })).toBe(false);
    expect(sameHolder({ ...HOLDER, dateOfBirth: '' }, { ...HOLDER, dateOfBirth: undefined })).toBe(true);
  });

  it('absent given names on both sides match; present on one side does not', () => {
    const a: Holder = { familyNameStd: 'SUKARNO', dateOfBirth: '1950-01-01' };
    expect(sameHolder(a, { ...a })).toBe(true);
    expect(sameHolder(a, { ...a, givenNameStd: 'BUDI' })).toBe(false);
  });
});

describe('combine', () => {
  it('one dose + recovery within 90 days → GREEN VAX_PARTIAL_PLUS_RECOVERY, valid while the recovery is', () => {
    const d = run([vax('CoronaVac', 1, 2, '2022-02-01'), recovery('2022-01-01', '2022-01-12', '2022-06-30')]);
    expect(d).toEqual({
      status: 'GREEN',
      reasons: ['VAX_PARTIAL_PLUS_RECOVERY'],
      reasonTexts: [policy.texts.VAX_PARTIAL_PLUS_RECOVERY?.en],
      validUntil: '2022-04-01T00:00:00.000Z',
      policy: 'ID-2021-09@1',
    });
  });

  it('one dose + an expired recovery stays YELLOW VAX_PARTIAL', () => {
    const d = run([vax('CoronaVac', 1, 2, '2022-02-01'), recovery('2021-10-01', '2021-10-12', '2022-03-30')]);
    expect(d).toMatchObject({ status: 'YELLOW', reasons: ['VAX_PARTIAL'] });
  });

  it('BLACK wins over a booster', () => {
    const d = run([vax('EU/1/20/1528', 3, 3, '2022-01-01'), test('LP6464-4', 30, true)]);
    expect(d.status).toBe('BLACK');
    expect(d.reasons).toEqual(['TEST_POSITIVE']);
  });

  it('the best colour wins: unrecognised product (RED) + one dose (YELLOW) → YELLOW', () => {
    expect(run([vax('Sputnik-Light', 1, 1, '2022-01-01'), vax('CoronaVac', 1, 2, '2022-02-01')])).toMatchObject({
      status: 'YELLOW',
      reasons: ['VAX_PARTIAL'],
    });
  });

  it('among equal colours the longest-lasting wins: complete vaccination beats a negative test', () => {
    const d = run([test('LP6464-4', 5), vax('CoronaVac', 2, 2, '2021-12-01')]);
    expect(d).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'], validUntil: null });
  });

  it('two negative tests: the later end counts', () => {
    const d = run([test('LP217198-3', 2), test('LP6464-4', 30)]);
    expect(d.reasons).toEqual(['TEST_NEG_NAAT']);
    expect(d.validUntil).toBe(new Date(AT.getTime() + 42 * H).toISOString());
  });

  it('a single certificate gives exactly what evaluate gives', () => {
    for (const c of [vax('CoronaVac', 1, 2, '2022-02-01'), test('LP6464-4', 5), recovery('2022-01-01', '2022-01-12', '2022-06-30')]) {
      expect(run([c])).toEqual(evaluate(c, policy, AT, 'en'));
    }
  });

  it('no certificate → RED NO_VALID_CERT', () => {
    expect(run([])).toMatchObject({ status: 'RED', reasons: ['NO_VALID_CERT'], validUntil: null });
  });

  it('certificates of different holders → HolderMismatchError (HOLDER_MISMATCH) naming the first odd one', () => {
    const other = cert({ type: 'vaccination', product: { code: 'CoronaVac' }, doseNumber: 1, totalDoses: 2, date: '2022-02-01' }, {
      ...HOLDER,
      givenNameStd: 'ERIKA',
    });
    const attempt = () => run([vax('CoronaVac', 1, 2, '2022-02-01'), test('LP6464-4', 5), other]);
    expect(attempt).toThrow(HolderMismatchError);
    try {
      attempt();
    } catch (err) {
      expect((err as HolderMismatchError).code).toBe('HOLDER_MISMATCH');
      expect((err as HolderMismatchError).index).toBe(2);
      expect((err as Error).message).not.toContain('ERIKA'); // never put names in messages
    }
  });

  it('property: order does not matter, and the result is never worse than any single certificate unless BLACK', () => {
    const pool = [
      vax('CoronaVac', 1, 2, '2022-02-01'),
      vax('CoronaVac', 2, 2, '2022-02-20'),
      vax('EU/1/20/1528', 3, 3, '2022-01-01'),
      vax('Sputnik-Light', 1, 1, '2022-01-01'),
      test('LP6464-4', 5),
      test('LP217198-3', 30),
      test('LP6464-4', 50, true),
      recovery('2022-01-01', '2022-01-12', '2022-06-30'),
      recovery('2021-09-01', '2021-09-12', '2022-02-28'),
    ];
    const rank = { BLACK: 0, GREEN: 1, YELLOW: 2, RED: 3, INVALID: 4 } as const;
    fc.assert(
      fc.property(fc.shuffledSubarray(pool, { minLength: 1 }), (certs) => {
        const d = run(certs);
        expect(run([...certs].reverse())).toEqual(d);
        const singles = certs.map((c) => evaluate(c, policy, AT, 'en'));
        if (singles.some((s) => s.status === 'BLACK')) expect(d.status).toBe('BLACK');
        else expect(rank[d.status]).toBeLessThanOrEqual(Math.min(...singles.map((s) => rank[s.status])));
      }),
      { numRuns: 200 },
    );
  });
});
