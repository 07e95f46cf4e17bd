// The domestic status of one verified certificate: pure data in (certificate, policy, `at`),
// decision out. The steps follow research/domestic.md §4.1 and §4.3; every number and colour
// comes from the policy file, so a ministry change is a file change (domestic-policy.md).

import type { Lang } from '../errors.js';
import type {
  Coded,
  DomesticDecision,
  HealthCertificate,
  RecoveryEvidence,
  TestEvidence,
  VaccinationEvidence,
} from '../model.js';
import { productKey, type MatrixCell, type Outcome, type Policy, type PolicyProduct } from './schema.js';
import { isCalendarDay, isoInstant } from '../time.js';

/** SNOMED CT "Detected" (EU value set covid-19-lab-result). */
const DETECTED = '260373001';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What one certificate shows, before the colour matrix is applied. */
export interface Assessment {
  outcome: Outcome;
  /** When this outcome stops holding (test window, recovery window, isolation end); null = open. */
  validUntil: Date | null;
  /** When the evidence starts to count, where the policy names a start (a yellow-fever vaccination). */
  validFrom?: Date;
}

/** `"<id>@<version>"`, the label every decision carries (contract.md example `ID-2021-09@1`). */
export function policyLabel(policy: Policy): string {
  return `${policy.id}@${policy.version}`;
}

/** The number written by `count` ASCII digits of `s` from `from`; -1 when one is not a digit. */
function digitsAt(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A date-time after the day: `T` or a space, then the time and an optional zone. */
const TIME_PART = /^[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parse a certificate date or instant. A bare date is midnight UTC of that day, so "at ≤ du"
 * and "min(du, fr + 90 d)" compare instants the same way EU CertLogic rules do with dates.
 * Anything that is not ISO 8601-shaped is refused rather than left to Date.parse's guessing,
 * and so is a day that does not exist or an hour past 23: Date.parse reads `2021-02-30` as
 * 2 March and `24:00` as the next day, which would move a vaccination or a test in time.
 */
export function parseInstant(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const s = value.trim();
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null; // "-"
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  if (year < 0 || !isCalendarDay(year, month, day)) return null;
  if (s.length === 10) {
    // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    return d;
  }
  if (!TIME_PART.test(s.slice(10))) return null;
  const hour = digitsAt(s, 11, 2);
  if (hour < 0 || hour > 23) return null;
  const ms = Date.parse(s.charCodeAt(10) === 32 ? `${s.slice(0, 10)}T${s.slice(11)}` : s);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * Completed years at `at`. A partial date of birth (EU allows `YYYY`, `YYYY-MM`, and old
 * certificates `XX` placeholders) is read as its earliest possible day, i.e. the oldest the
 * holder can be: the adult bands are the stricter ones, so doubt never buys a laxer rule.
 * Unknown (empty, unreadable) → null, and the base matrix applies.
 */
export function ageAt(dateOfBirth: string | undefined, at: Date): number | null {
  const m = /^(\d{4})(?:-(\d{2}|XX)(?:-(\d{2}|XX))?)?/i.exec(dateOfBirth?.trim() ?? '');
  if (!m) return null;
  const year = Number(m[1]);
  const month = m[2] === undefined || /x/i.test(m[2]) ? 1 : Number(m[2]);
  const day = m[3] === undefined || /x/i.test(m[3]) ? 1 : Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  let age = at.getUTCFullYear() - year;
  const beforeBirthday =
    at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age < 0 ? null : age;
}

interface ProductIndex {
  /** productKey of every id and alias → its product (the schema keeps keys unique). */
  byKey: Map<string, PolicyProduct>;
  neutral: Set<string>;
  /** findProduct's answers by the code as written: productKey (NFKD, two Unicode regexes) ran on every evaluation (issue 12). */
  found: Map<string, PolicyProduct | null>;
}
/**
 * Distinct codes remembered per policy before the memo starts over, and the longest code
 * remembered: codes come from certificates, so neither their number nor their size may grow
 * the memo without bound (product codes are short: `EU/1/20/1528`, `CVX:208`, `XM68M6`).
 */
const MAX_FOUND = 1_024;
const MAX_FOUND_CODE_CHARS = 64;
const indexes = new WeakMap<Policy, ProductIndex>();

function productIndex(policy: Policy): ProductIndex {
  let index = indexes.get(policy);
  if (!index) {
    const byKey = new Map<string, PolicyProduct>();
    for (const p of policy.products) for (const name of [p.id, ...p.aliases]) byKey.set(productKey(name), p);
    index = { byKey, neutral: new Set(policy.productMatching.neutralWords.map(productKey)), found: new Map() };
    indexes.set(policy, index);
  }
  return index;
}

/**
 * The product whose id or alias is `code` once case, spaces, punctuation and diacritics are
 * ignored (schema.ts productKey): `cvx:208`, `Pfizer-BioNTech`, `PFIZER BIONTECH`.
 */
export function findProduct(policy: Policy, code: string | undefined): PolicyProduct | undefined {
  if (code === undefined) return undefined;
  const { byKey, found } = productIndex(policy);
  const known = found.get(code);
  if (known !== undefined) return known ?? undefined;
  const key = productKey(code);
  const product = key === '' ? undefined : byKey.get(key);
  if (code.length <= MAX_FOUND_CODE_CHARS) {
    if (found.size >= MAX_FOUND) found.clear();
    found.set(code, product ?? null);
  }
  return product;
}

/** Longer texts are not read word by word (bounded work per certificate). */
const MAX_NAME_CHARS = 200;
const MAX_NAME_WORDS = 16;
const NONE = '';

/**
 * A brand text read as a run of aliases of ONE product and neutral words: "AstraZeneca
 * Vaxzevria", "Pfizer/BioNTech Comirnaty", "COVID-19 Vaccine Janssen", "Gamaleya Research
 * Institute Sputnik V" (issue #10 item 4; the AU seal writes manufacturer then brand). Words may
 * group ("Sputnik V", "Johnson & Johnson"). If the words name two products ("Novavax
 * Covovax"), or can be read as either, nothing is recognised: an alias may say otherwise.
 */
export function findProductByWords(policy: Policy, text: string | undefined): PolicyProduct | undefined {
  if (text === undefined || text.length > MAX_NAME_CHARS) return undefined;
  const words = text.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const n = words.length;
  if (n === 0 || n > MAX_NAME_WORDS) return undefined;
  const { byKey, neutral } = productIndex(policy);
  // readings[i]: the products words[i..] can be read as (NONE: neutral words only).
  const readings: Set<string>[] = Array.from({ length: n + 1 }, () => new Set<string>());
  readings[n]!.add(NONE);
  for (let i = n - 1; i >= 0; i--) {
    let key = '';
    for (let j = i + 1; j <= n; j++) {
      key += words[j - 1];
      const product = byKey.get(key);
      const isNeutral = neutral.has(key);
      if (!product && !isNeutral) continue;
      for (const rest of readings[j]!) {
        if (isNeutral) readings[i]!.add(rest);
        else if (rest === NONE || rest === product!.id) readings[i]!.add(product!.id);
      }
    }
  }
  const found = [...readings[0]!].filter((r) => r !== NONE);
  return found.length === 1 ? policy.products.find((p) => p.id === found[0]) : undefined;
}

/**
 * The policy's product for a certificate's product: its code first (EU `mp`, CVX, ICD-11,
 * SNOMED as the adapters normalise them), then its name as one alias, then its name word by word.
 */
export function recogniseProduct(policy: Policy, product: { code: string; display?: string }): PolicyProduct | undefined {
  return findProduct(policy, product.code) ?? findProduct(policy, product.display) ?? findProductByWords(policy, product.display);
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

// research §4.3: the level is the highest that applies, in this order.
function assessVaccination(ev: VaccinationEvidence, policy: Policy, at: Date): Assessment {
  // A generic code (ICAO's ICD-11 XM68M6 "COVID-19 vaccines") names no product; the brand then
  // comes as the display name, which the policy's aliases may know.
  const product = recogniseProduct(policy, ev.product);
  if (!product) return { outcome: 'VAX_PRODUCT_NOT_RECOGNISED', validUntil: null };
  const { doseNumber: dn, totalDoses: sd } = ev;
  const dt = parseInstant(ev.date);
  if (!Number.isInteger(dn) || !Number.isInteger(sd) || dn < 1 || sd < 1 || dt === null) {
    return { outcome: 'EVIDENCE_INVALID', validUntil: null };
  }
  const v = policy.vaccination;
  const primary = product.primaryDoses;

  // EU encoding from 1 Feb 2022: 2/1, 3/2 (dn > sd) and 3/3 of a two-dose product are boosters
  // (research §2.2 [123][124]); 3/3 Zifivax is primary because its primary series is 3.
  // Without a stated series (seriesFromCount) only the count of doses against the product's
  // primary series decides.
  const booster = ev.seriesFromCount
    ? dn > primary
    : (v.booster.doseAboveTotal && dn > sd) || (v.booster.totalAbovePrimary && dn === sd && sd > primary);
  if (booster) {
    return at.getTime() >= addDays(dt, v.booster.waitDays).getTime()
      ? { outcome: 'VAX_BOOSTED', validUntil: null }
      : { outcome: 'VAX_WAITING_PERIOD', validUntil: null };
  }

  // 1/1 of a two-dose product: the EU "one dose after recovery" encoding counts as complete.
  const oneOfOne = v.oneOfOneCountsComplete && !ev.seriesFromCount && dn === 1 && sd === 1 && primary === 2;
  const complete = dn >= sd && (dn >= primary || oneOfOne);
  if (!complete) return { outcome: 'VAX_PARTIAL', validUntil: null };

  if (at.getTime() < addDays(dt, v.primaryWaitDays).getTime()) {
    return { outcome: 'VAX_WAITING_PERIOD', validUntil: null };
  }
  if (v.primaryMaxAgeDays !== null) {
    const end = addDays(dt, v.primaryMaxAgeDays);
    return at.getTime() > end.getTime()
      ? { outcome: 'VAX_PRIMARY_EXPIRED', validUntil: null }
      : { outcome: 'VAX_PRIMARY_COMPLETE', validUntil: end };
  }
  return { outcome: 'VAX_PRIMARY_COMPLETE', validUntil: null };
}

function assessTest(ev: TestEvidence, policy: Policy, at: Date): Assessment {
  const sc = parseInstant(ev.sampledAt);
  if (sc === null) return { outcome: 'EVIDENCE_INVALID', validUntil: null };
  const t = policy.tests;
  if (sc.getTime() > at.getTime() + t.sampleClockSkewMinutes * 60_000) {
    return { outcome: 'TEST_NOT_YET_VALID', validUntil: null };
  }
  const age = at.getTime() - sc.getTime();

  // A positive result isolates whatever the test type (BLACK precedence, research §4.1 step 3).
  if (ev.positive || ev.result.code === DETECTED) {
    const end = addDays(sc, t.positiveIsolationDays);
    return age <= t.positiveIsolationDays * DAY_MS
      ? { outcome: 'TEST_POSITIVE', validUntil: end }
      : { outcome: 'TEST_POSITIVE_EXPIRED', validUntil: null };
  }

  const type = Object.hasOwn(t.types, ev.testType.code) ? t.types[ev.testType.code] : undefined;
  if (type === undefined) return { outcome: 'TEST_TYPE_NOT_RECOGNISED', validUntil: null };
  if (age > type.windowHours * HOUR_MS) return { outcome: 'TEST_EXPIRED', validUntil: null };
  return {
    outcome: type.kind === 'NAAT' ? 'TEST_NEG_NAAT' : 'TEST_NEG_RAT',
    validUntil: new Date(sc.getTime() + type.windowHours * HOUR_MS),
  };
}

// df ≤ at ≤ du (issuer validity, EU RR-EU-0001) and at − fr ≤ the policy window (domestic
// "penyintas < 90 days", research §4.3), deliberately narrower than the EU's 180 days.
function assessRecovery(ev: RecoveryEvidence, policy: Policy, at: Date): Assessment {
  const fr = parseInstant(ev.firstPositive);
  const df = parseInstant(ev.validFrom);
  const du = parseInstant(ev.validUntil);
  if (fr === null || df === null || du === null) return { outcome: 'EVIDENCE_INVALID', validUntil: null };
  const windowEnd = addDays(fr, policy.recovery.windowDays);
  const t = at.getTime();
  if (t < df.getTime() || t > du.getTime() || t > windowEnd.getTime()) {
    return { outcome: 'RECOVERY_EXPIRED', validUntil: null };
  }
  return { outcome: 'RECOVERED_90D', validUntil: du.getTime() < windowEnd.getTime() ? du : windowEnd };
}

export type PolicyIcvpDisease = Policy['icvp']['diseases'][number];

/** The policy's ICVP disease for a vaccination: by its disease code (`tg`), else by its vaccine class (`vp`). */
export function icvpDisease(policy: Policy, ev: VaccinationEvidence): PolicyIcvpDisease | undefined {
  const tg = ev.disease?.code.trim().toUpperCase();
  const vp = ev.prophylaxis?.code.trim().toUpperCase();
  const diseases = policy.icvp.diseases;
  return (
    (tg ? diseases.find((d) => d.codes.some((c) => c.toUpperCase() === tg)) : undefined) ??
    (vp ? diseases.find((d) => d.vaccineClasses.some((c) => c.toUpperCase() === vp)) : undefined)
  );
}

/** A vaccine class code in the form product aliases are written in (model.ts): `ICD11:XM…`, `SNOMED:…`. */
function classAsProduct(c: Coded): Coded {
  const code = c.code.trim();
  const prefixed = /^XM[0-9A-Z]{4}$/i.test(code) ? `ICD11:${code}` : /^\d{6,18}$/.test(code) ? `SNOMED:${code}` : code;
  return { code: prefixed, ...(c.display ? { display: c.display } : {}) };
}

// domestic-policy.md "Digital ICVP (WHO_DVC)": judged by the disease it targets.
function assessIcvp(ev: VaccinationEvidence, policy: Policy, at: Date): Assessment {
  const disease = icvpDisease(policy, ev);
  if (!disease) return { outcome: 'ICVP_DISEASE_NOT_RECOGNISED', validUntil: null };
  if (disease.rule === 'COVID') {
    // The COVID rules, with the product from `mp`, else the vaccine class `vp` (an ICD-11 or
    // SNOMED code the product table may know as an alias).
    const byClass = ev.prophylaxis ? classAsProduct(ev.prophylaxis) : undefined;
    const product = !recogniseProduct(policy, ev.product) && byClass && recogniseProduct(policy, byClass) ? byClass : ev.product;
    return assessVaccination({ ...ev, product }, policy, at);
  }
  const dt = parseInstant(ev.date);
  if (dt === null) return { outcome: 'EVIDENCE_INVALID', validUntil: null };
  if (disease.rule === 'YELLOW_FEVER') {
    // IHR Annex 7 (as amended in 2014, in force 2016): valid from 10 days after vaccination, for life, whatever vle says.
    const from = addDays(dt, policy.icvp.yellowFeverValidAfterDays);
    return at.getTime() >= from.getTime()
      ? { outcome: 'ICVP_YF_VALID', validUntil: null, validFrom: from }
      : { outcome: 'ICVP_YF_NOT_YET_VALID', validUntil: null, validFrom: from };
  }
  // VALIDITY_WINDOW: vls (or the vaccination date) to vle (or no end), bare dates at midnight UTC, inclusive.
  const start = ev.validFrom !== undefined ? parseInstant(ev.validFrom) : dt;
  const end = ev.validUntil !== undefined ? parseInstant(ev.validUntil) : null;
  if (start === null || (ev.validUntil !== undefined && end === null)) return { outcome: 'EVIDENCE_INVALID', validUntil: null };
  if (at.getTime() < start.getTime()) return { outcome: 'ICVP_OUT_OF_VALIDITY', validUntil: null, validFrom: start };
  if (end !== null && at.getTime() > end.getTime()) return { outcome: 'ICVP_OUT_OF_VALIDITY', validUntil: null };
  return { outcome: 'ICVP_VALID', validUntil: end };
}

/** Classify one certificate under `policy` at `at` (no colour yet). */
export function assess(cert: HealthCertificate, policy: Policy, at: Date): Assessment {
  const ev = cert.evidence;
  if (cert.format === 'WHO_DVC' && ev.type === 'vaccination') return assessIcvp(ev, policy, at);
  switch (ev.type) {
    case 'vaccination':
      return assessVaccination(ev, policy, at);
    case 'test':
      return assessTest(ev, policy, at);
    case 'recovery':
      return assessRecovery(ev, policy, at);
  }
}

/** The matrix cell for an outcome at a holder's age: first matching age band, else the base. */
export function cellFor(policy: Policy, outcome: Outcome, age: number | null): Required<MatrixCell> {
  let cell = policy.matrix[outcome];
  if (age !== null) {
    const band = policy.ageOverrides.find((b) => age >= b.minAge && age <= b.maxAge && b.matrix[outcome]);
    cell = band?.matrix[outcome] ?? cell;
  }
  // Not configurable: a recent positive test is BLACK (the schema refuses otherwise as well).
  return outcome === 'TEST_POSITIVE' ? { status: 'BLACK', reason: cell.reason, noEnd: false } : cell;
}

/** The policy's text for a reason code in `lang`; the code itself if the policy has none. */
export function reasonText(policy: Policy, reason: string, lang: Lang): string {
  return Object.hasOwn(policy.texts, reason) ? (policy.texts[reason]?.[lang] ?? reason) : reason;
}

/** Build a decision from colour, reasons and an end instant (RED never carries one). */
export function decision(
  policy: Policy,
  status: DomesticDecision['status'],
  reasons: string[],
  validUntil: Date | null,
  lang: Lang,
  validFrom?: Date,
): DomesticDecision {
  const reasonTexts = reasons.map((r) => reasonText(policy, r, lang));
  const until = status === 'RED' || validUntil === null ? null : isoInstant(validUntil);
  // Two literals rather than a conditional spread (V8's slow object-copy path, issue 12).
  return validFrom
    ? { status, reasons, reasonTexts, validUntil: until, validFrom: isoInstant(validFrom), policy: policyLabel(policy) }
    : { status, reasons, reasonTexts, validUntil: until, policy: policyLabel(policy) };
}

/** The domestic status of one verified certificate. Pure: same inputs, same answer. */
export function evaluate(cert: HealthCertificate, policy: Policy, at: Date, lang: Lang): DomesticDecision {
  const { outcome, validUntil, validFrom } = assess(cert, policy, at);
  const cell = cellFor(policy, outcome, ageAt(cert.holder.dateOfBirth, at));
  return decision(policy, cell.status, [cell.reason], cell.noEnd ? null : validUntil, lang, validFrom);
}

/** A certificate that failed verification counts for nothing; the caller adds its error codes. */
export function invalidDecision(policy: Policy): DomesticDecision {
  return { status: 'INVALID', reasons: [], reasonTexts: [], validUntil: null, policy: policyLabel(policy) };
}
