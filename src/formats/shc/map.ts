// FHIR bundle of a SMART Health Card → the common certificate model. Profiles: SMART Health
// Cards Vaccination & Testing IG (Patient, Immunization, Observation). An SHC states no dose
// "x of y"; the choice below is documented where it is made.
import type { Coded, Evidence, HealthCertificate, Holder, TestEvidence, VaccinationEvidence } from '../../model.js';
import { namedHolder } from '../shared.js';
import { isRecord, type ShcClaims } from './jws.js';

export const SHC_TYPE_HEALTH_CARD = 'https://smarthealth.cards#health-card';
export const SHC_TYPE_COVID19 = 'https://smarthealth.cards#covid19';
/** Bound on the entries read (real cards hold a patient and a handful of resources). */
export const MAX_ENTRIES = 200;

const SYSTEM_CVX = 'http://hl7.org/fhir/sid/cvx';
const SYSTEM_SNOMED = 'http://snomed.info/sct';
const SYSTEM_LOINC = 'http://loinc.org';
const SYSTEMS_ICD11 = ['http://id.who.int/icd11/mms', 'http://id.who.int/icd/release/11/mms'];
const COVID19: Coded = { code: '840539006', display: 'COVID-19' };

/** CDC CVX names of the COVID-19 vaccines most often seen on cards (display only; policy matches codes). */
const CVX_NAMES: Record<string, string> = {
  '207': 'Moderna COVID-19 (mRNA-1273)',
  '208': 'Pfizer-BioNTech COVID-19 (Comirnaty)',
  '210': 'AstraZeneca COVID-19 (Vaxzevria)',
  '211': 'Novavax COVID-19 (Nuvaxovid)',
  '212': 'Janssen COVID-19',
  '213': 'COVID-19 vaccine, unspecified formulation',
  '217': 'Pfizer-BioNTech COVID-19 (tris-sucrose)',
  '218': 'Pfizer-BioNTech COVID-19 (ages 5–11)',
  '219': 'Pfizer-BioNTech COVID-19 (ages 6 months–4 years)',
  '221': 'Moderna COVID-19 (booster formulation)',
  '229': 'Moderna COVID-19 bivalent',
  '300': 'Pfizer-BioNTech COVID-19 bivalent',
  '502': 'COVAXIN (Bharat Biotech)',
  '505': 'Sputnik V (Gamaleya)',
  '510': 'Sinopharm BIBP (BBIBP-CorV)',
  '511': 'CoronaVac (Sinovac)',
};

/**
 * SARS-CoV-2 LOINC codes whose method is unambiguous. NAAT (RNA by nucleic acid amplification)
 * → LP6464-4; antigen immunoassay → LP217198-3 (the EU test-type codes the policy knows).
 */
const LOINC_NAAT = new Set([
  '94500-6', '94309-2', '94306-8', '94531-1', '94533-7', '94534-5', '94559-2', '94565-9',
  '94759-8', '94760-6', '94845-5', '95406-5', '95409-9',
]);
const LOINC_ANTIGEN = new Set(['94558-4', '95209-3', '96119-3', '97097-0']);
const TEST_NAAT: Coded = { code: 'LP6464-4', display: 'Nucleic acid amplification with probe detection' };
const TEST_ANTIGEN: Coded = { code: 'LP217198-3', display: 'Rapid immunoassay' };

/** SNOMED CT results (IG qualitative result value set): detected/positive vs not detected/negative. */
const RESULTS: Record<string, { positive: boolean; display: string }> = {
  '260373001': { positive: true, display: 'Detected' },
  '10828004': { positive: true, display: 'Positive' },
  '260415000': { positive: false, display: 'Not detected' },
  '260385009': { positive: false, display: 'Negative' },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim().length > 0 ? v : undefined);

interface Coding {
  system?: string;
  code: string;
  display?: string;
}

function codings(concept: unknown): Coding[] {
  if (!isRecord(concept) || !Array.isArray(concept.coding)) return [];
  const out: Coding[] = [];
  for (const c of concept.coding) {
    if (!isRecord(c) || !str(c.code)) continue;
    const coding: Coding = { code: (c.code as string).trim() };
    if (str(c.system)) coding.system = c.system as string;
    if (str(c.display)) coding.display = c.display as string;
    out.push(coding);
  }
  return out;
}

/**
 * Product code normalised per system (model.ts VaccinationEvidence): `CVX:207`, `SNOMED:…`,
 * `ICD11:…`; any other system as FHIR token notation `system|code`. CVX is preferred when a
 * vaccine carries several codings, as US issuers give it and policy aliases list it.
 */
export function productOf(concept: unknown): Coded | undefined {
  const all = codings(concept);
  const pick = (p: (c: Coding) => boolean): Coding | undefined => all.find(p);
  const cvx = pick((c) => c.system === SYSTEM_CVX);
  if (cvx) return withDisplay(`CVX:${cvx.code}`, cvx.display ?? CVX_NAMES[cvx.code]);
  const snomed = pick((c) => c.system === SYSTEM_SNOMED);
  if (snomed) return withDisplay(`SNOMED:${snomed.code}`, snomed.display);
  const icd = pick((c) => c.system !== undefined && SYSTEMS_ICD11.includes(c.system));
  if (icd) return withDisplay(`ICD11:${icd.code}`, icd.display);
  const other = all[0];
  if (other) return withDisplay(other.system ? `${other.system}|${other.code}` : other.code, other.display);
  return undefined;
}

function withDisplay(code: string, display: string | undefined): Coded {
  return display ? { code, display } : { code };
}

function holderOf(patient: Record<string, unknown> | undefined, problems: string[]): Holder {
  const holder: Holder = {};
  if (!patient) {
    problems.push('no Patient resource');
    return holder;
  }
  const names = Array.isArray(patient.name) ? patient.name.filter(isRecord) : [];
  const name = names.find((n) => n.use === 'official') ?? names[0];
  if (name) {
    const family = str(name.family)?.trim();
    const given = Array.isArray(name.given) ? name.given.filter((g): g is string => typeof g === 'string' && g.trim() !== '').join(' ') : '';
    Object.assign(holder, namedHolder(family, given));
    if (!family && !given && str(name.text)) holder.familyName = (name.text as string).trim();
  }
  if (!holder.familyName && !holder.givenName) problems.push('Patient has no name');
  const dob = patient.birthDate;
  if (dob !== undefined) {
    if (typeof dob === 'string' && PARTIAL_DATE.test(dob)) holder.dateOfBirth = dob;
    else problems.push('Patient.birthDate is not a FHIR date');
  }
  return holder;
}

interface Dose {
  product: Coded;
  date: string;
  performer?: string;
  lot?: string;
}

function performerOf(r: Record<string, unknown>): string | undefined {
  const performers = Array.isArray(r.performer) ? r.performer.filter(isRecord) : [];
  for (const p of performers) {
    const name = str(isRecord(p.actor) ? p.actor.display : undefined) ?? str(p.display);
    if (name) return name;
  }
  return undefined;
}

/** Completed immunizations, each checked (a completed dose without a code or date is a defect, not skipped). */
function dosesOf(immunizations: Record<string, unknown>[], problems: string[]): Dose[] {
  const doses: Dose[] = [];
  immunizations.forEach((r, i) => {
    // FHIR Immunization.status: completed | entered-in-error | not-done (case-sensitive codes).
    if (r.status !== 'completed') return;
    const product = productOf(r.vaccineCode);
    if (!product) problems.push(`Immunization ${i} has no vaccine code`);
    const occurrence = r.occurrenceDateTime;
    if (r.occurrenceString !== undefined && occurrence !== undefined) problems.push(`Immunization ${i} has two occurrence[x]`);
    const date = typeof occurrence === 'string' && DATE_TIME.test(occurrence) ? occurrence.slice(0, 10) : undefined;
    if (!date) problems.push(`Immunization ${i} has no occurrenceDateTime`);
    if (!product || !date) return;
    const dose: Dose = { product, date };
    const performer = performerOf(r);
    if (performer) dose.performer = performer;
    if (str(r.lotNumber)) dose.lot = r.lotNumber as string;
    doses.push(dose);
  });
  return doses;
}

interface LabTest {
  evidence: TestEvidence;
  loinc: string;
}

function testOf(r: Record<string, unknown>, covidCard: boolean, problems: string[], index: number): LabTest | undefined {
  // FHIR Observation.status: only final results (final | amended | corrected) are results.
  if (!['final', 'amended', 'corrected'].includes(String(r.status))) return undefined;
  const loinc = codings(r.code).find((c) => c.system === SYSTEM_LOINC)?.code;
  if (!loinc) return undefined;
  const known = LOINC_NAAT.has(loinc) ? TEST_NAAT : LOINC_ANTIGEN.has(loinc) ? TEST_ANTIGEN : undefined;
  // A LOINC code outside the tables counts only on a card typed COVID-19 (the policy then says
  // it does not recognise the test type); on other cards it is some other lab value.
  if (!known && !covidCard) return undefined;
  const testType: Coded = known ? { ...known } : { code: `LOINC:${loinc}` };
  const resultCoding = codings(r.valueCodeableConcept).find((c) => c.system === SYSTEM_SNOMED && RESULTS[c.code]);
  const effective = r.effectiveDateTime;
  const sampled = typeof effective === 'string' && DATE_TIME.test(effective) ? effective : undefined;
  if (!resultCoding) problems.push(`Observation ${index} has no detected/not-detected SNOMED result`);
  if (!sampled) problems.push(`Observation ${index} has no effectiveDateTime`);
  if (!resultCoding || !sampled) return undefined;
  const result = RESULTS[resultCoding.code]!;
  const evidence: TestEvidence = {
    type: 'test',
    testType,
    // A date without time is read as its first instant (UTC): the window ends no later than the real one.
    sampledAt: DATE.test(sampled) ? `${sampled}T00:00:00Z` : sampled,
    result: { code: resultCoding.code, display: result.display },
    positive: result.positive,
    disease: COVID19,
  };
  const centre = performerOf(r);
  if (centre) evidence.centre = centre;
  return { evidence, loinc };
}

export type ShcMapOutcome =
  | { ok: true; certificate: HealthCertificate; display: Record<string, unknown> }
  | { ok: false; problems: string[]; holder?: Holder };

export interface ShcMapInput {
  claims: ShcClaims;
  payload: Record<string, unknown>;
  issuerCountry?: string;
  /** Issuer name when the trust store knows one (VCI directory name). */
  issuerName?: string;
}

export function mapShc(input: ShcMapInput): ShcMapOutcome {
  const { claims } = input;
  const problems: string[] = [];
  if (!claims.types.includes(SHC_TYPE_HEALTH_CARD)) problems.push(`vc.type lacks ${SHC_TYPE_HEALTH_CARD}`);
  const entries = claims.fhirBundle.entry;
  if (!Array.isArray(entries) || entries.length === 0) return { ok: false, problems: [...problems, 'fhirBundle.entry is empty'] };
  if (entries.length > MAX_ENTRIES) return { ok: false, problems: [...problems, `fhirBundle holds more than ${MAX_ENTRIES} entries`] };
  const resources = entries.map((e) => (isRecord(e) && isRecord(e.resource) ? e.resource : undefined)).filter(isRecord);
  const ofType = (t: string): Record<string, unknown>[] => resources.filter((r) => r.resourceType === t);

  const patients = ofType('Patient');
  if (patients.length > 1) problems.push('more than one Patient resource');
  const holder = holderOf(patients[0], problems);
  const covidCard = claims.types.includes(SHC_TYPE_COVID19);
  const doses = dosesOf(ofType('Immunization'), problems);
  const tests = ofType('Observation')
    .map((r, i) => testOf(r, covidCard, problems, i))
    .filter((t): t is LabTest => t !== undefined);

  const base = {
    issuer: claims.iss,
    ...(claims.rid ? { certificateId: claims.rid } : {}),
    ...(input.issuerCountry ? { country: { code: input.issuerCountry } } : {}),
  };
  let evidence: Evidence | undefined;
  let display: Record<string, unknown> = {};
  if (doses.length > 0) {
    // The latest dose is the evidence. SHC gives no "dose x of y": doseNumber counts the
    // completed doses in the card, and totalDoses = doseNumber because the card states no
    // series. The domestic policy then judges the count with its own product table (primary
    // doses per product, booster when the count exceeds it). Known gap: 1/1 of a two-dose
    // product would read like the EU "one dose after recovery" encoding, hence seriesFromCount.
    const sorted = [...doses].sort((a, b) => a.date.localeCompare(b.date));
    const last = sorted[sorted.length - 1]!;
    const vaccination: VaccinationEvidence = {
      type: 'vaccination',
      product: last.product,
      doseNumber: sorted.length,
      totalDoses: sorted.length,
      seriesFromCount: true,
      date: last.date,
      ...base,
    };
    if (covidCard || last.product.code in CVX_NAMES_BY_CODE) vaccination.disease = COVID19;
    evidence = vaccination;
    display = {
      type: 'vaccination',
      ...(vaccination.disease ? { disease: vaccination.disease } : {}),
      product: last.product,
      doseNumber: sorted.length,
      totalDoses: sorted.length,
      doses: sorted.map((d) => ({ date: d.date, product: d.product.code, ...(d.performer ? { performer: d.performer } : {}) })),
      date: last.date,
      ...(last.performer ? { performer: last.performer } : {}),
    };
  } else if (tests.length > 0) {
    const latest = tests.reduce((a, b) => (Date.parse(b.evidence.sampledAt) > Date.parse(a.evidence.sampledAt) ? b : a));
    evidence = { ...latest.evidence, ...base };
    display = {
      type: 'test',
      disease: COVID19,
      testType: latest.evidence.testType,
      testCode: `LOINC:${latest.loinc}`,
      result: latest.evidence.result,
      positive: latest.evidence.positive,
      sampledAt: latest.evidence.sampledAt,
      ...(latest.evidence.centre ? { centre: latest.evidence.centre } : {}),
    };
  } else {
    problems.push('the card holds no completed immunization and no SARS-CoV-2 test result');
  }
  if (problems.length > 0 || !evidence) return { ok: false, problems, holder };

  const certificate: HealthCertificate = {
    format: 'SHC',
    holder,
    evidence,
    issuedAt: new Date(claims.nbf * 1000),
    raw: input.payload,
  };
  if (claims.exp !== undefined) certificate.expiresAt = new Date(claims.exp * 1000);
  if (input.issuerCountry) certificate.issuerCountry = input.issuerCountry;
  display = {
    ...display,
    issuer: claims.iss,
    ...(input.issuerName ? { issuerName: input.issuerName } : {}),
    cardTypes: claims.types,
  };
  return { ok: true, certificate, display };
}

const CVX_NAMES_BY_CODE: Record<string, true> = Object.fromEntries(Object.keys(CVX_NAMES).map((c) => [`CVX:${c}`, true]));
