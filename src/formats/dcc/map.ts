// Maps a validated EU DCC onto the common certificate model (src/model.ts), and the model onto
// the report's `certificate` block. Value-set display names come from the shipped value sets.
//
// Strings are trimmed (DE `trimAllStrings()`) and NFC-normalised: hcert spec §3.3.7 says
// strings SHOULD be NFC and compared as if they were, and the policy compares names and codes.
import type {
  CertificateFormat,
  Coded,
  Evidence,
  HealthCertificate,
  Holder,
  RecoveryEvidence,
  TestEvidence,
  VaccinationEvidence,
} from '../../model.js';
import type { Dcc, DccRecovery, DccTest, DccType, DccVaccination } from './schema.js';
import { nfc } from '../shared.js';
import { countryName, display } from './valuesets.js';

/** SNOMED CT 260373001 "Detected" (test-result value set). */
export const TEST_RESULT_DETECTED = '260373001';

export interface DccClaims {
  iss?: string;
  issuedAt?: Date;
  expiresAt?: Date;
}

function clean(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return nfc(s.trim());
}

/** A cleaned non-empty string, or undefined. */
function nonEmpty(s: string | undefined): string | undefined {
  const c = clean(s);
  return c === undefined || c === '' ? undefined : c;
}

function coded(setId: string, code: string): Coded {
  const c = clean(code) ?? '';
  const name = display(setId, c);
  return name === undefined ? { code: c } : { code: c, display: name };
}

function country(code: string): Coded {
  const c = clean(code) ?? '';
  const name = countryName(c);
  return name === undefined ? { code: c } : { code: c, display: name };
}

/**
 * Day fields (`dt`, `fr`, `df`, `du`) are `format: date`, but real certificates carry
 * date-times there (PL 11–13, SG/4); the issuer's calendar day is the first ten characters.
 */
function day(s: string): string {
  const c = clean(s) ?? '';
  return /^\d{4}-\d{2}-\d{2}[T ]/.test(c) ? c.slice(0, 10) : c;
}

function holderOf(dcc: Dcc): Holder {
  const holder: Holder = {};
  const familyName = nonEmpty(dcc.nam.fn);
  const givenName = nonEmpty(dcc.nam.gn);
  const familyNameStd = nonEmpty(dcc.nam.fnt);
  const givenNameStd = nonEmpty(dcc.nam.gnt);
  if (familyName !== undefined) holder.familyName = familyName;
  if (givenName !== undefined) holder.givenName = givenName;
  if (familyNameStd !== undefined) holder.familyNameStd = familyNameStd;
  if (givenNameStd !== undefined) holder.givenNameStd = givenNameStd;
  // Kept even when empty: schema 1.3 allows `dob: ""` and the model says so.
  holder.dateOfBirth = clean(dcc.dob) ?? '';
  return holder;
}

/**
 * The fields every entry type shares, in the model's order (type, disease, country, issuer,
 * certificateId), as the start of an evidence object the caller completes by assignment.
 * Assigned rather than spread (`{ type, ...common(e), … }`): an object spread in the middle of
 * a literal takes V8's slow copy path on every verification (issue 12).
 */
function common<T extends Evidence['type']>(type: T, e: { tg: string; co: string; is: string; ci: string }) {
  const base: { type: T; disease: Coded; country: Coded; issuer?: string; certificateId?: string } = {
    type,
    disease: coded('disease-agent-targeted', e.tg),
    country: country(e.co),
  };
  const issuer = nonEmpty(e.is);
  const certificateId = nonEmpty(e.ci);
  if (issuer !== undefined) base.issuer = issuer;
  if (certificateId !== undefined) base.certificateId = certificateId;
  return base;
}

function vaccination(e: DccVaccination): VaccinationEvidence {
  const ev = common('vaccination', e) as VaccinationEvidence;
  // product.code stays the EU value-set code as written (model.ts: `EU/1/20/1528`).
  ev.product = coded('vaccine-medicinal-product', e.mp);
  ev.doseNumber = e.dn;
  ev.totalDoses = e.sd;
  ev.date = day(e.dt);
  if (nonEmpty(e.vp) !== undefined) ev.prophylaxis = coded('vaccine-prophylaxis', e.vp);
  if (nonEmpty(e.ma) !== undefined) ev.manufacturer = coded('vaccine-mah-manf', e.ma);
  return ev;
}

function test(e: DccTest): TestEvidence {
  const tr = clean(e.tr) ?? '';
  const ev = common('test', e) as TestEvidence;
  ev.testType = coded('test-type', e.tt);
  ev.sampledAt = clean(e.sc) ?? '';
  ev.result = coded('test-result', tr);
  ev.positive = tr === TEST_RESULT_DETECTED;
  const testName = nonEmpty(e.nm);
  const centre = nonEmpty(e.tc);
  if (testName !== undefined) ev.testName = testName;
  if (nonEmpty(e.ma) !== undefined) ev.manufacturer = coded('test-manf', e.ma ?? '');
  if (centre !== undefined) ev.centre = centre;
  return ev;
}

function recovery(e: DccRecovery): RecoveryEvidence {
  const ev = common('recovery', e) as RecoveryEvidence;
  ev.firstPositive = day(e.fr);
  ev.validFrom = day(e.df);
  ev.validUntil = day(e.du);
  return ev;
}

/**
 * The common model of a DCC that `validateDcc` accepted. `type` is the one validateDcc
 * returned; claims come from the CWT (iss, iat, exp).
 */
export function toHealthCertificate(
  dcc: Dcc,
  type: DccType,
  claims: DccClaims,
  format: Extract<CertificateFormat, 'EU_DCC' | 'WHO_DDCC'>,
): HealthCertificate {
  let evidence: Evidence;
  if (type === 'vaccination' && dcc.v?.[0]) evidence = vaccination(dcc.v[0]);
  else if (type === 'test' && dcc.t?.[0]) evidence = test(dcc.t[0]);
  else if (type === 'recovery' && dcc.r?.[0]) evidence = recovery(dcc.r[0]);
  // validateDcc guarantees the entry; reaching this is a programming error, not bad data.
  else throw new TypeError(`DCC has no ${type} entry`);

  const cert: HealthCertificate = { format, holder: holderOf(dcc), evidence };
  if (claims.issuedAt !== undefined) cert.issuedAt = claims.issuedAt;
  if (claims.expiresAt !== undefined) cert.expiresAt = claims.expiresAt;
  const iss = nonEmpty(claims.iss) ?? nonEmpty(evidence.country?.code);
  if (iss !== undefined) cert.issuerCountry = iss;
  return cert;
}

/**
 * The report's `certificate` block: the evidence's normalised fields, codes with their
 * value-set display names, and no holder data (that is the report's `holder`).
 */
export function displayOf(cert: HealthCertificate): Record<string, unknown> {
  const e = cert.evidence;
  const out: Record<string, unknown> = { type: e.type };
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  put('disease', e.disease);
  switch (e.type) {
    case 'vaccination':
      put('vaccine', e.prophylaxis);
      put('product', e.product);
      put('manufacturer', e.manufacturer);
      put('dose', `${e.doseNumber}/${e.totalDoses}`);
      put('doseNumber', e.doseNumber);
      put('totalDoses', e.totalDoses);
      put('date', e.date);
      break;
    case 'test':
      put('testType', e.testType);
      put('testName', e.testName);
      put('manufacturer', e.manufacturer);
      put('sampledAt', e.sampledAt);
      put('result', e.result);
      put('positive', e.positive);
      put('centre', e.centre);
      break;
    case 'recovery':
      put('firstPositive', e.firstPositive);
      put('validFrom', e.validFrom);
      put('validUntil', e.validUntil);
      break;
  }
  put('country', e.country?.code);
  put('countryName', e.country?.display);
  put('issuer', e.issuer);
  put('certificateId', e.certificateId);
  put('issuerCountry', cert.issuerCountry);
  return out;
}
