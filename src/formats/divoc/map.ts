// DIVOC credential → the common model. Fields per the DIVOC vaccination contexts (v1: age;
// v2: dob, icd11Code, prophylaxis) and WHO ddcc-validator DivocModel: credentialSubject {name,
// dob | age, gender | sex, nationality, address}; evidence[0] {vaccine, manufacturer, dose,
// totalDoses, date, effectiveStart, effectiveUntil, certificateId, batch, icd11Code,
// facility{name, address{addressCountry}}}. effectiveUntil is displayed nowhere and expires nothing.
import type { HealthCertificate, Holder, VaccinationEvidence } from '../../model.js';
import { icaoStandardName } from '../shared.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim().length > 0 ? v.trim() : undefined);
/** DIVOC writes doses as numbers; some deployments wrote numeric strings. */
function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return Number.isInteger(n) && (n as number) >= 1 ? (n as number) : undefined;
}
const DAY = /^\d{4}-\d{2}-\d{2}/;

export interface MappedDivoc {
  certificate: HealthCertificate;
  display: Record<string, unknown>;
}
export type DivocMapOutcome = { ok: true; value: MappedDivoc } | { ok: false; problems: string[] };

/** End of a YYYY-MM-DD day (UTC), or the instant itself (VC Data Model 1.0 §4.7 expirationDate). */
export function untilInstant(v: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T23:59:59.999Z`) : new Date(v);
}

export function mapCredential(vc: Record<string, unknown>, signerCountry: string): DivocMapOutcome {
  const problems: string[] = [];
  const subject = isRecord(vc.credentialSubject) ? vc.credentialSubject : undefined;
  const ev = Array.isArray(vc.evidence) && isRecord(vc.evidence[0]) ? vc.evidence[0] : undefined;
  const name = str(subject?.name);
  if (!name) problems.push('credentialSubject.name missing');
  if (!ev) problems.push('evidence[0] missing');
  const vaccine = str(ev?.vaccine);
  const dose = count(ev?.dose);
  const totalDoses = count(ev?.totalDoses);
  const date = str(ev?.date) ?? str(ev?.effectiveStart);
  if (!vaccine) problems.push('evidence[0].vaccine missing');
  if (!dose || !totalDoses) problems.push('evidence[0].dose and totalDoses must be integers ≥ 1');
  if (!date || !DAY.test(date) || Number.isNaN(Date.parse(date))) problems.push('evidence[0].date is not a date');
  const dob = str(subject?.dob);
  if (dob !== undefined && !/^\d{4}(-\d{2}){0,2}$/.test(dob.slice(0, 10))) problems.push('credentialSubject.dob is not a date');
  const issuance = str(vc.issuanceDate);
  if (issuance !== undefined && Number.isNaN(Date.parse(issuance))) problems.push('issuanceDate is not a date-time');
  // Only the VC's own expirationDate (VC Data Model 1.0 §4.7) ends validity. evidence[].effectiveUntil
  // is NOT an expiry: CoWIN and PeduliLindungi set effectiveStart = effectiveUntil = the vaccination
  // date, months before issuanceDate; DIVOC defines it only as a date and the WHO ddcc-validator
  // reads it as the start of the vaccine's validity. Real DIVOC credentials thus carry no expiry
  // (the adapter warns NO_EXPIRY, contract "checks").
  const until = str(vc.expirationDate);
  if (until !== undefined && Number.isNaN(untilInstant(until).getTime())) problems.push('expirationDate is not a date');
  if (problems.length > 0 || !name || !vaccine || !dose || !totalDoses || !date) return { ok: false, problems };

  // DIVOC has one name string; like DIVOC's own EU DCC export (nam.fn only), it is the family name.
  const holder: Holder = { familyName: name, familyNameStd: icaoStandardName(name), ...(dob ? { dateOfBirth: dob.slice(0, 10) } : {}) };
  const facility = isRecord(ev!.facility) ? ev!.facility : undefined;
  const address = isRecord(facility?.address) ? facility.address : undefined;
  const country = str(address?.addressCountry)?.toUpperCase() ?? signerCountry;
  const manufacturer = str(ev!.manufacturer);
  const certificateId = str(ev!.certificateId) ?? (typeof ev!.certificateId === 'number' ? String(ev!.certificateId) : undefined);
  const evidence: VaccinationEvidence = {
    type: 'vaccination',
    // A free-text product name is the code itself (model.ts); the policy matches it case-insensitively.
    product: { code: vaccine, display: vaccine },
    ...(manufacturer ? { manufacturer: { code: manufacturer, display: manufacturer } } : {}),
    doseNumber: dose,
    totalDoses,
    date: date.slice(0, 10),
    country: { code: country },
    ...(str(vc.issuer) ? { issuer: str(vc.issuer)! } : {}),
    ...(certificateId ? { certificateId } : {}),
  };
  const issuedAt = issuance ? new Date(issuance) : undefined;
  const expiresAt = until ? untilInstant(until) : undefined;
  const certificate: HealthCertificate = {
    format: 'DIVOC',
    holder,
    evidence,
    issuerCountry: signerCountry,
    ...(issuedAt ? { issuedAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    raw: vc,
  };
  const display: Record<string, unknown> = {
    type: 'vaccination',
    product: evidence.product,
    ...(evidence.manufacturer ? { manufacturer: evidence.manufacturer } : {}),
    doseNumber: dose,
    totalDoses,
    date: evidence.date,
    country,
    ...(str(ev!.icd11Code) ? { icd11Code: str(ev!.icd11Code) } : {}),
    ...(str(subject?.gender) ?? str(subject?.sex) ? { gender: str(subject?.gender) ?? str(subject?.sex) } : {}),
    ...(subject?.age !== undefined && !dob ? { age: String(subject.age) } : {}),
    ...(certificateId ? { certificateId } : {}),
  };
  return { ok: true, value: { certificate, display } };
}
