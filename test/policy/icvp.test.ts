// The domestic policy of the WHO digital ICVP (docs/domestic-policy.md "Digital ICVP (WHO_DVC)"):
// every row of its table as a named test, against the bundled policy files, and the profile for
// today's border ID-2023-06 (SE Satgas 1/2023). Certificates are mapped by the real DVC mapper
// (src/formats/dcc/dvc.ts mapDvc) from DVCMin payloads, so a mapping change that breaks the
// policy fails here too.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dvcYellowFever } from '../../scripts/demo/icvp.js';
import { mapDvc } from '../../src/formats/dcc/dvc.js';
import type { HealthCertificate, Holder } from '../../src/model.js';
import { combine, HolderMismatchError, sameHolder } from '../../src/policy/combine.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { loadPolicy, parsePolicy, PolicyError } from '../../src/policy/load.js';

const POLICIES = fileURLToPath(new URL('../../policies', import.meta.url));
const PROFILES = ['ID-2021-09', 'ID-2022-07', 'ENTRY-SE25-2022', 'ID-2023-06'] as const;
const load = (id: string) => loadPolicy(path.join(POLICIES, `${id}.json`));
const raw = (id: string) => JSON.parse(readFileSync(path.join(POLICIES, `${id}.json`), 'utf8')) as Record<string, unknown>;
const DEFAULT = load('ID-2021-09');
const TODAY = load('ID-2023-06');

const DAY = 86_400_000;
const VACCINATED = '2026-11-01';
const at = (days: number, hours = 0) => new Date(Date.parse(`${VACCINATED}T00:00:00Z`) + days * DAY + hours * 3_600_000);

/** A DVC as the mapper gives it, from a yellow-fever DVCMin with `v` changed by `v`. */
function dvc(v: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): HealthCertificate {
  const doc = dvcYellowFever({ date: VACCINATED });
  const m = mapDvc({ ...doc, ...rest, v: Object.fromEntries(Object.entries({ ...doc.v, ...v }).filter(([, x]) => x !== undefined)) }, { iss: 'XA' });
  if (!m.ok) throw new Error(`fixture does not map: ${m.problems.join('; ')}`);
  return m.certificate;
}
const brief = (d: { status: string; reasons: string[] }) => `${d.status} ${d.reasons.join(',')}`;

describe('yellow fever (1D47, or vaccine class XM0N24): valid from day 10, for life', () => {
  it('day 10 after vaccination → GREEN ICVP_YF_VALID, validUntil null, validFrom = date + 10 days', () => {
    const d = evaluate(dvc(), DEFAULT, at(10), 'en');
    expect(d).toMatchObject({ status: 'GREEN', reasons: ['ICVP_YF_VALID'], validUntil: null, validFrom: '2026-11-11T00:00:00.000Z', policy: 'ID-2021-09@1' });
    expect(d.reasonTexts?.[0]).toBe(DEFAULT.texts.ICVP_YF_VALID?.en);
  });

  it('day 4 → YELLOW ICVP_YF_NOT_YET_VALID, the decision says from when it is valid; the last hour of day 9 too', () => {
    const d = evaluate(dvc(), DEFAULT, at(4, 10), 'id');
    expect(d).toMatchObject({ status: 'YELLOW', reasons: ['ICVP_YF_NOT_YET_VALID'], validUntil: null, validFrom: '2026-11-11T00:00:00.000Z' });
    expect(d.reasonTexts?.[0]).toBe(DEFAULT.texts.ICVP_YF_NOT_YET_VALID?.id);
    expect(brief(evaluate(dvc(), DEFAULT, new Date(at(10).getTime() - 1), 'en'))).toBe('YELLOW ICVP_YF_NOT_YET_VALID');
  });

  it('for life: forty years later still GREEN, and a vle in the past changes nothing', () => {
    expect(brief(evaluate(dvc({ vle: '2027-01-01' }), DEFAULT, at(40 * 365), 'en'))).toBe('GREEN ICVP_YF_VALID');
  });

  it('recognised by the vaccine class alone when tg names no disease the policy knows (XM0N24, XM3418)', () => {
    expect(brief(evaluate(dvc({ tg: undefined, mp: undefined }), DEFAULT, at(12), 'en'))).toBe('GREEN ICVP_YF_VALID');
    expect(brief(evaluate(dvc({ tg: 'XX99', vp: 'XM3418', mp: undefined }), DEFAULT, at(3), 'en'))).toBe('YELLOW ICVP_YF_NOT_YET_VALID');
  });

  it('the number of days is the policy file’s (yellowFeverValidAfterDays)', () => {
    const copy = raw('ID-2021-09') as { icvp: { yellowFeverValidAfterDays: number } };
    copy.icvp.yellowFeverValidAfterDays = 3;
    expect(brief(evaluate(dvc(), parsePolicy(copy), at(4), 'en'))).toBe('GREEN ICVP_YF_VALID');
  });
});

describe('another disease of the ICVP: the certificate’s own validity vls–vle', () => {
  const polio = (v: Record<string, unknown>) => dvc({ tg: '1C81', vp: 'XM0N50', mp: undefined, ...v });
  it('inside vls–vle → GREEN ICVP_VALID, valid until vle', () => {
    const d = evaluate(polio({ vls: '2026-11-01', vle: '2027-11-01' }), DEFAULT, at(30), 'en');
    expect(d).toMatchObject({ status: 'GREEN', reasons: ['ICVP_VALID'], validUntil: '2027-11-01T00:00:00.000Z' });
  });
  it('after vle → RED ICVP_OUT_OF_VALIDITY; before vls → RED with the date it becomes valid', () => {
    expect(brief(evaluate(polio({ vls: '2026-11-01', vle: '2026-11-20' }), DEFAULT, at(30), 'en'))).toBe('RED ICVP_OUT_OF_VALIDITY');
    const early = evaluate(polio({ vls: '2026-12-01', vle: '2027-12-01' }), DEFAULT, at(5), 'en');
    expect(early).toMatchObject({ status: 'RED', reasons: ['ICVP_OUT_OF_VALIDITY'], validUntil: null, validFrom: '2026-12-01T00:00:00.000Z' });
  });
  it('no vls: from the vaccination date; no vle: no end', () => {
    expect(evaluate(polio({ vls: undefined }), DEFAULT, at(0), 'en')).toMatchObject({ status: 'GREEN', reasons: ['ICVP_VALID'], validUntil: null });
    expect(brief(evaluate(polio({ vls: undefined }), DEFAULT, at(-1), 'en'))).toBe('RED ICVP_OUT_OF_VALIDITY');
  });
  it('meningococcal disease (1C1C) is judged the same way; a polio vaccine class alone names polio', () => {
    expect(brief(evaluate(dvc({ tg: '1C1C', vp: 'XM9999', mp: undefined, vls: '2026-11-01', vle: '2029-11-01' }), DEFAULT, at(30), 'en'))).toBe('GREEN ICVP_VALID');
    expect(brief(evaluate(dvc({ tg: undefined, vp: 'XM79H3', mp: undefined, vls: '2026-11-01', vle: '2027-11-01' }), DEFAULT, at(30), 'en'))).toBe('GREEN ICVP_VALID');
  });
});

describe('COVID-19 (RA01) by the COVID vaccination rules, product from mp, else vp', () => {
  const covid = (v: Record<string, unknown>) => dvc({ tg: 'RA01', vp: 'J07BX03', mp: 'EU/1/20/1528', vls: undefined, ...v });
  it('Comirnaty second dose 14 days before → GREEN VAX_PRIMARY_COMPLETE; 5 days before → YELLOW VAX_WAITING_PERIOD; first dose → YELLOW VAX_PARTIAL', () => {
    expect(brief(evaluate(covid({ dn: 'secondDose' }), DEFAULT, at(14), 'en'))).toBe('GREEN VAX_PRIMARY_COMPLETE');
    expect(brief(evaluate(covid({ dn: '2' }), DEFAULT, at(5), 'en'))).toBe('YELLOW VAX_WAITING_PERIOD');
    expect(brief(evaluate(covid({ dn: 'firstDose' }), DEFAULT, at(30), 'en'))).toBe('YELLOW VAX_PARTIAL');
  });
  it('no EU mp: the product is read from the vaccine class as an ICD-11 alias (XM8NQ0 Comirnaty)', () => {
    expect(brief(evaluate(covid({ mp: '1', vp: 'XM8NQ0', dn: '2' }), DEFAULT, at(20), 'en'))).toBe('GREEN VAX_PRIMARY_COMPLETE');
  });
  it('a product the policy does not know (the WHO example: mp "1", vp SNOMED 871772009) → RED VAX_PRODUCT_NOT_RECOGNISED', () => {
    expect(brief(evaluate(covid({ mp: '1', vp: '871772009', dn: 'secondDose' }), DEFAULT, at(20), 'en'))).toBe('RED VAX_PRODUCT_NOT_RECOGNISED');
  });
  it('a dose the rules cannot count (dn "booster") → RED EVIDENCE_INVALID, not a guess', () => {
    expect(brief(evaluate(covid({ dn: 'booster' }), DEFAULT, at(20), 'en'))).toBe('RED EVIDENCE_INVALID');
  });
  it('the SNOMED disease code EU certificates use (840539006) is COVID-19 too', () => {
    expect(brief(evaluate(covid({ tg: '840539006', dn: '2' }), DEFAULT, at(20), 'en'))).toBe('GREEN VAX_PRIMARY_COMPLETE');
  });
});

describe('a disease the policy does not name', () => {
  it('measles (1F03) with a vaccine class the policy does not list → RED ICVP_DISEASE_NOT_RECOGNISED', () => {
    const d = evaluate(dvc({ tg: '1F03', vp: 'XM0000', mp: undefined }), DEFAULT, at(30), 'en');
    expect(d).toMatchObject({ status: 'RED', reasons: ['ICVP_DISEASE_NOT_RECOGNISED'], validUntil: null });
  });
  it('a tg the policy knows wins over the vaccine class; an unknown tg (another code system) falls back to it', () => {
    // polio tg with a yellow-fever class: judged as polio (its window), not as yellow fever.
    expect(brief(evaluate(dvc({ tg: '1C81', vls: '2026-11-01', vle: '2026-11-20' }), DEFAULT, at(30), 'en'))).toBe('RED ICVP_OUT_OF_VALIDITY');
    // SNOMED 16541001 (yellow fever) is no code of the table; the class XM0N24 names yellow fever.
    expect(brief(evaluate(dvc({ tg: '16541001' }), DEFAULT, at(30), 'en'))).toBe('GREEN ICVP_YF_VALID');
  });
});

describe('the ICVP rules are in every profile, with id/en texts', () => {
  it.each(PROFILES)('%s: yellow fever day 10 GREEN, day 4 YELLOW, unknown disease RED; every ICVP reason has both texts', (id) => {
    const p = load(id);
    expect(brief(evaluate(dvc(), p, at(10), 'en'))).toBe('GREEN ICVP_YF_VALID');
    expect(brief(evaluate(dvc(), p, at(4), 'en'))).toBe('YELLOW ICVP_YF_NOT_YET_VALID');
    expect(brief(evaluate(dvc({ tg: '1F03', vp: 'XM0000', mp: undefined }), p, at(4), 'en'))).toBe('RED ICVP_DISEASE_NOT_RECOGNISED');
    for (const reason of ['ICVP_YF_VALID', 'ICVP_YF_NOT_YET_VALID', 'ICVP_VALID', 'ICVP_OUT_OF_VALIDITY', 'ICVP_DISEASE_NOT_RECOGNISED']) {
      expect(p.texts[reason]?.id, `${id} ${reason}`).toBeTruthy();
      expect(p.texts[reason]?.en, `${id} ${reason}`).toBeTruthy();
    }
    expect(p.icvp).toEqual(DEFAULT.icvp);
  });

  it('a policy without the icvp section, or with a code naming two diseases, stops with a one-line PolicyError', () => {
    const missing = raw('ID-2021-09');
    delete missing.icvp;
    expect(() => parsePolicy(missing, 'x.json')).toThrow(PolicyError);
    const twice = raw('ID-2021-09') as { icvp: { diseases: { codes: string[]; vaccineClasses?: string[] }[] } };
    twice.icvp.diseases[1]!.codes.push('1d47');
    expect(() => parsePolicy(twice, 'x.json')).toThrow(/icvp\.diseases\[1\]\.codes\[1\]: "1D47" already names Yellow fever/);
    const classTwice = raw('ID-2021-09') as { icvp: { diseases: { vaccineClasses?: string[] }[] } };
    classTwice.icvp.diseases[1]!.vaccineClasses!.push('XM0N24');
    expect(() => parsePolicy(classTwice, 'x.json')).toThrow(/already names Yellow fever/);
    const badRule = raw('ID-2021-09') as { icvp: { diseases: { rule: string }[] } };
    badRule.icvp.diseases[0]!.rule = 'FOR_EVER';
    expect(() => parsePolicy(badRule, 'x.json')).toThrow(/icvp\.diseases\[0\]\.rule/);
  });
});

// --- ID-2023-06: COVID certificates informative since SE 1/2023 ---------------------------------

const HOLDER: Holder = { familyName: 'Pratama-Müller', givenName: 'Ayu Lestari', familyNameStd: 'PRATAMA<MUELLER', givenNameStd: 'AYU<LESTARI', dateOfBirth: '1990-04-12' };
const AT = new Date('2026-11-25T10:00:00Z');
const H = 3_600_000;
const eu = (evidence: HealthCertificate['evidence'], holder: Holder = HOLDER): HealthCertificate => ({ format: 'EU_DCC', holder, evidence });
const vax = (dn: number, sd: number, date: string, product = 'EU/1/20/1528') => eu({ type: 'vaccination', product: { code: product }, doseNumber: dn, totalDoses: sd, date });
const test = (hoursAgo: number, positive: boolean, tt = 'LP6464-4') =>
  eu({ type: 'test', testType: { code: tt }, sampledAt: new Date(AT.getTime() - hoursAgo * H).toISOString(), result: { code: positive ? '260373001' : '260415000' }, positive });
const recovery = (fr: string, df: string, du: string) => eu({ type: 'recovery', firstPositive: fr, validFrom: df, validUntil: du });

describe('ID-2023-06 (SE Satgas 1/2023): every verified COVID certificate GREEN COVID_NOT_REQUIRED, informative', () => {
  it.each<[string, HealthCertificate]>([
    ['a complete primary vaccination', vax(2, 2, '2022-01-10')],
    ['one dose of two (RED or YELLOW before)', vax(1, 2, '2026-11-20')],
    ['a vaccine the product table does not know', vax(2, 2, '2022-01-10', 'EU/9/99/9999')],
    ['a negative PCR test of an hour ago (no 72 h end)', test(1, false)],
    ['a negative test far outside its window', test(500, false)],
    ['a test type the policy does not list', test(1, false, 'LP0000-0')],
    ['a positive test older than 10 days', test(11 * 24, true)],
    ['a recovery', recovery('2026-10-01', '2026-10-12', '2027-03-30')],
    ['an expired recovery', recovery('2024-10-01', '2024-10-12', '2025-03-30')],
    ['a COVID-19 DVC (RA01) with an unknown product', dvc({ tg: 'RA01', vp: '871772009', mp: '1', dn: 'secondDose', vls: undefined })],
  ])('%s → GREEN COVID_NOT_REQUIRED with no end date', (_label, cert) => {
    const d = evaluate(cert, TODAY, AT, 'en');
    expect(d).toMatchObject({ status: 'GREEN', reasons: ['COVID_NOT_REQUIRED'], validUntil: null, policy: 'ID-2023-06@1' });
    expect(d.reasonTexts?.[0]).toMatch(/informative only/);
    expect(evaluate(cert, TODAY, AT, 'id').reasonTexts?.[0]).toMatch(/hanya informasi/);
  });

  it('a positive test within 10 days stays BLACK TEST_POSITIVE, until the isolation ends', () => {
    const d = evaluate(test(48, true), TODAY, AT, 'en');
    expect(d).toMatchObject({ status: 'BLACK', reasons: ['TEST_POSITIVE'], validUntil: new Date(AT.getTime() - 48 * H + 10 * 24 * H).toISOString() });
  });

  it('holder-status: BLACK still wins over an informative vaccination', () => {
    expect(brief(combine([vax(2, 2, '2022-01-10'), test(24, true)], TODAY, AT, 'en'))).toBe('BLACK TEST_POSITIVE');
  });

  it('data that cannot be read stays RED (EVIDENCE_INVALID, a sample taken after the checking moment)', () => {
    expect(brief(evaluate(vax(2, 2, 'last summer'), TODAY, AT, 'en'))).toBe('RED EVIDENCE_INVALID');
    expect(brief(evaluate(test(-5, false), TODAY, AT, 'en'))).toBe('RED TEST_NOT_YET_VALID');
  });

  it('the ICVP rules are unchanged (GREEN day 10, YELLOW day 4, window, unknown disease)', () => {
    expect(brief(evaluate(dvc(), TODAY, at(10), 'en'))).toBe('GREEN ICVP_YF_VALID');
    expect(brief(evaluate(dvc(), TODAY, at(4), 'en'))).toBe('YELLOW ICVP_YF_NOT_YET_VALID');
    expect(brief(evaluate(dvc({ tg: '1C81', mp: undefined, vls: '2026-11-01', vle: '2026-11-20' }), TODAY, at(30), 'en'))).toBe('RED ICVP_OUT_OF_VALIDITY');
    expect(brief(evaluate(dvc({ tg: '1F03', vp: 'XM0000', mp: undefined }), TODAY, at(30), 'en'))).toBe('RED ICVP_DISEASE_NOT_RECOGNISED');
  });

  it('carries the same product table as the default, cites SE 1/2023, is in force from 9 June 2023, and is not the default', () => {
    expect(TODAY.products).toEqual(DEFAULT.products);
    expect(TODAY.legalBasis.map((b) => b.citation).join(' ')).toMatch(/No\. 1 Tahun 2023/);
    expect(TODAY.effective).toEqual({ from: '2023-06-09', to: null });
  });

  it('a noEnd cell is refused unless it is a boolean', () => {
    const copy = raw('ID-2023-06') as { matrix: Record<string, unknown> };
    copy.matrix.VAX_PARTIAL = { status: 'GREEN', reason: 'COVID_NOT_REQUIRED', noEnd: 'yes' };
    expect(() => parsePolicy(copy, 'x.json')).toThrow(/matrix\.VAX_PARTIAL/);
  });
});

// --- several certificates of one person ------------------------------------------------------------

describe('holder-status with a DVC (one name string) and other certificates of the same person', () => {
  const YF = dvc(); // n = "Ayu Lestari Pratama-Müller", dob 1990-04-12
  it('the DVC’s one name matches given + family names as printed, in either order; the date of birth must match', () => {
    expect(sameHolder(YF.holder, HOLDER)).toBe(true);
    expect(sameHolder(HOLDER, YF.holder)).toBe(true);
    expect(sameHolder({ familyName: 'pratama-müller  ayu lestari', dateOfBirth: '1990-04-12' }, HOLDER)).toBe(true);
    expect(sameHolder({ ...YF.holder, dateOfBirth: '1990-04-13' }, HOLDER)).toBe(false);
  });

  it('nothing looser: a missing or extra name part, another spelling or reordered given names do not match', () => {
    for (const name of ['Ayu Pratama-Müller', 'Ayu Lestari Pratama-Müller Binti Budi', 'Lestari Ayu Pratama-Müller', 'Ayu Lestari Pratama-Muller', 'Ayu Lestari']) {
      expect(sameHolder({ familyName: name, dateOfBirth: '1990-04-12' }, HOLDER), name).toBe(false);
    }
  });

  it('a yellow-fever DVC and an EU DCC vaccination of the same person combine: best colour wins', () => {
    const d = combine([YF, vax(1, 2, '2026-10-01')], DEFAULT, at(12), 'en');
    expect(brief(d)).toBe('GREEN ICVP_YF_VALID');
    expect(d.validFrom).toBe('2026-11-11T00:00:00.000Z');
    const yellow = combine([YF, vax(1, 2, '2026-10-01')], DEFAULT, at(4), 'en');
    expect(yellow.status).toBe('YELLOW');
    expect(yellow.reasons).toEqual(['VAX_PARTIAL', 'ICVP_YF_NOT_YET_VALID']);
    // Not every winner has a start: none is reported.
    expect(yellow.validFrom).toBeUndefined();
  });

  it('a DVC of someone else → HolderMismatchError (the endpoint’s 422 HOLDER_MISMATCH)', () => {
    const other = dvc({}, { n: 'Budi Santoso' });
    expect(() => combine([vax(2, 2, '2026-01-10'), other], DEFAULT, at(12), 'en')).toThrow(HolderMismatchError);
  });
});
