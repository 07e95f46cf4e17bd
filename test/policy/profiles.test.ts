// The rows that tell the three shipped profiles apart (domestic-policy.md "The policy is a file",
// research/domestic.md §4.2; the ENTRY profile's scale is documented in policies/README.md).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Evidence, HealthCertificate } from '../../src/model.js';
import { combine } from '../../src/policy/combine.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { loadPolicy } from '../../src/policy/load.js';
import type { Policy } from '../../src/policy/schema.js';

const POLICIES = fileURLToPath(new URL('../../policies', import.meta.url));
const load = (id: string): Policy => loadPolicy(path.join(POLICIES, `${id}.json`));
const DEFAULT = load('ID-2021-09');
const JUL22 = load('ID-2022-07');
const ENTRY = load('ENTRY-SE25-2022');

// ---- local factory ----
const AT = new Date('2022-09-15T03:00:00Z');
const H = 3_600_000;
const ADULT = '1985-05-05';
const CHILD = '2010-05-05'; // 12 at AT
function cert(evidence: Evidence, dateOfBirth = ADULT): HealthCertificate {
  return { format: 'EU_DCC', holder: { familyNameStd: 'SANTOSO', givenNameStd: 'BUDI', dateOfBirth }, evidence };
}
const vax = (product: string, dn: number, sd: number, date: string, dob = ADULT) =>
  cert({ type: 'vaccination', product: { code: product }, doseNumber: dn, totalDoses: sd, date }, dob);
const naat = (hoursAgo: number, positive = false, dob = ADULT) =>
  cert(
    {
      type: 'test',
      testType: { code: 'LP6464-4' },
      sampledAt: new Date(AT.getTime() - hoursAgo * H).toISOString(),
      result: { code: positive ? '260373001' : '260415000' },
      positive,
    },
    dob,
  );
const recovered = (fr: string, dob = ADULT) =>
  cert({ type: 'recovery', firstPositive: fr, validFrom: fr, validUntil: '2023-03-01' }, dob);

const brief = (c: HealthCertificate, p: Policy) => {
  const d = evaluate(c, p, AT, 'en');
  return `${d.status} ${d.reasons.join('+')}`;
};

describe('ID-2022-07: adults need a booster for GREEN (SE Satgas 21/2022)', () => {
  it('adult, primary complete 2/2 → YELLOW (GREEN under ID-2021-09)', () => {
    const c = vax('CoronaVac', 2, 2, '2022-01-10');
    expect(brief(c, JUL22)).toBe('YELLOW VAX_PRIMARY_COMPLETE');
    expect(brief(c, DEFAULT)).toBe('GREEN VAX_PRIMARY_COMPLETE');
    expect(evaluate(c, JUL22, AT, 'en').policy).toBe('ID-2022-07@1');
  });

  it('adult, Janssen 1/1 → YELLOW', () => {
    expect(brief(vax('EU/1/20/1525', 1, 1, '2022-01-10'), JUL22)).toBe('YELLOW VAX_PRIMARY_COMPLETE');
  });

  it('adult, booster 3/3 → GREEN', () => {
    expect(brief(vax('EU/1/20/1528', 3, 3, '2022-08-01'), JUL22)).toBe('GREEN VAX_BOOSTED');
  });

  it('adult, one dose 1/2 → RED (YELLOW under ID-2021-09)', () => {
    const c = vax('CoronaVac', 1, 2, '2022-08-01');
    expect(brief(c, JUL22)).toBe('RED VAX_PARTIAL');
    expect(brief(c, DEFAULT)).toBe('YELLOW VAX_PARTIAL');
  });

  it('adult, primary complete within the 14-day wait → RED (research §4.2 V4)', () => {
    expect(brief(vax('CoronaVac', 2, 2, '2022-09-10'), JUL22)).toBe('RED VAX_WAITING_PERIOD');
  });

  it('age 6–17, primary complete → GREEN; one dose → YELLOW', () => {
    expect(brief(vax('CoronaVac', 2, 2, '2022-01-10', CHILD), JUL22)).toBe('GREEN VAX_PRIMARY_COMPLETE_CHILD');
    expect(brief(vax('CoronaVac', 1, 2, '2022-08-01', CHILD), JUL22)).toBe('YELLOW VAX_PARTIAL');
  });

  it('the 18th birthday moves a holder to the adult rules; an unknown date of birth is adult', () => {
    const c = vax('CoronaVac', 2, 2, '2022-01-10', '2004-09-15');
    expect(brief(c, JUL22)).toBe('YELLOW VAX_PRIMARY_COMPLETE');
    expect(brief(vax('CoronaVac', 2, 2, '2022-01-10', '2004-09-16'), JUL22)).toBe('GREEN VAX_PRIMARY_COMPLETE_CHILD');
    expect(brief(vax('CoronaVac', 2, 2, '2022-01-10', ''), JUL22)).toBe('YELLOW VAX_PRIMARY_COMPLETE');
  });

  it('negative PCR still gives GREEN for its window', () => {
    expect(brief(naat(10), JUL22)).toBe('GREEN TEST_NEG_NAAT');
  });

  it('adult, complete primary + recovery < 90 d → GREEN VAX_PRIMARY_PLUS_RECOVERY', () => {
    const d = combine([vax('CoronaVac', 2, 2, '2022-01-10'), recovered('2022-08-01')], JUL22, AT, 'id');
    expect(d).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_PLUS_RECOVERY'], validUntil: '2022-10-30T00:00:00.000Z' });
    expect(d.reasonTexts?.[0]).toMatch(/penyintas/);
  });

  it('one dose + recovery: GREEN for ages 6–17, only the recovery YELLOW for adults', () => {
    const kid = combine([vax('CoronaVac', 1, 2, '2022-08-01', CHILD), recovered('2022-08-01', CHILD)], JUL22, AT, 'en');
    expect(kid).toMatchObject({ status: 'GREEN', reasons: ['VAX_PARTIAL_PLUS_RECOVERY'] });
    const adult = combine([vax('CoronaVac', 1, 2, '2022-08-01'), recovered('2022-08-01')], JUL22, AT, 'en');
    expect(adult).toMatchObject({ status: 'YELLOW', reasons: ['RECOVERED_90D'] });
  });
});

describe('ENTRY-SE25-2022: border admissibility on the colour scale', () => {
  it('dose 2 at least 14 days before → GREEN ENTRY_OK_VACCINATED; a booster too', () => {
    expect(brief(vax('CoronaVac', 2, 2, '2022-08-01'), ENTRY)).toBe('GREEN ENTRY_OK_VACCINATED');
    expect(brief(vax('EU/1/20/1528', 3, 3, '2022-09-14'), ENTRY)).toBe('GREEN ENTRY_OK_VACCINATED');
  });

  it('dose 2 less than 14 days before → RED ENTRY_REFER_WAITING_PERIOD', () => {
    expect(brief(vax('CoronaVac', 2, 2, '2022-09-10'), ENTRY)).toBe('RED ENTRY_REFER_WAITING_PERIOD');
  });

  it('one dose → RED ENTRY_REFER_NOT_FULLY_VACCINATED; unknown product → RED ENTRY_REFER_PRODUCT_NOT_RECOGNISED', () => {
    expect(brief(vax('CoronaVac', 1, 2, '2022-08-01'), ENTRY)).toBe('RED ENTRY_REFER_NOT_FULLY_VACCINATED');
    expect(brief(vax('Sputnik-Light', 1, 1, '2022-08-01'), ENTRY)).toBe('RED ENTRY_REFER_PRODUCT_NOT_RECOGNISED');
  });

  it('a negative test does not replace vaccination (SE 19/2022 onwards) → RED ENTRY_REFER_TEST_NOT_ACCEPTED', () => {
    expect(brief(naat(10), ENTRY)).toBe('RED ENTRY_REFER_TEST_NOT_ACCEPTED');
    expect(evaluate(naat(10), ENTRY, AT, 'en').validUntil).toBeNull();
  });

  it('a positive test within 10 days → BLACK TEST_POSITIVE, whatever the age', () => {
    expect(brief(naat(10, true), ENTRY)).toBe('BLACK TEST_POSITIVE');
    expect(brief(naat(10, true, CHILD), ENTRY)).toBe('BLACK TEST_POSITIVE');
  });

  it('recovered within 90 days → YELLOW ENTRY_EXEMPT_RECOVERED', () => {
    expect(brief(recovered('2022-08-01'), ENTRY)).toBe('YELLOW ENTRY_EXEMPT_RECOVERED');
  });

  it('under 18 → YELLOW ENTRY_EXEMPT_MINOR where an adult is referred; vaccinated minors are GREEN', () => {
    expect(brief(vax('CoronaVac', 1, 2, '2022-08-01', CHILD), ENTRY)).toBe('YELLOW ENTRY_EXEMPT_MINOR');
    expect(brief(naat(10, false, CHILD), ENTRY)).toBe('YELLOW ENTRY_EXEMPT_MINOR');
    expect(brief(vax('CoronaVac', 2, 2, '2022-08-01', CHILD), ENTRY)).toBe('GREEN ENTRY_OK_VACCINATED');
  });

  it('a future-dated test stays RED even for a minor (bad data is not an exemption)', () => {
    expect(brief(naat(-2, false, CHILD), ENTRY)).toBe('RED TEST_NOT_YET_VALID');
  });

  it('no certificate → RED ENTRY_REFER_NO_CERTIFICATE', () => {
    expect(combine([], ENTRY, AT, 'en')).toMatchObject({ status: 'RED', reasons: ['ENTRY_REFER_NO_CERTIFICATE'] });
  });
});

describe('one certificate, three profiles', () => {
  it.each([
    ['adult 2/2 CoronaVac', vax('CoronaVac', 2, 2, '2022-01-10'), 'GREEN', 'YELLOW', 'GREEN'],
    ['adult 1/2 CoronaVac', vax('CoronaVac', 1, 2, '2022-08-01'), 'YELLOW', 'RED', 'RED'],
    ['adult negative PCR 10 h', naat(10), 'GREEN', 'GREEN', 'RED'],
    ['adult recovered', recovered('2022-08-01'), 'YELLOW', 'YELLOW', 'YELLOW'],
    ['adult booster', vax('EU/1/20/1507', 3, 3, '2022-05-01'), 'GREEN', 'GREEN', 'GREEN'],
  ])('%s → %s / %s / %s', (_name, c, d21, d22, entry) => {
    expect([DEFAULT, JUL22, ENTRY].map((p) => evaluate(c, p, AT, 'en').status)).toEqual([d21, d22, entry]);
  });
});
