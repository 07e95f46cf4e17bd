// WHO DDCC (Digital Documentation of COVID-19 Certificates) carried in HC1: the WHO logical
// model DDCC:VS (vaccination) or DDCC:TR (test result), either under hcert −260 sub-claim 3 / 4
// or as the whole COSE payload, as the WHO reference implementation issues it
// (anchors-mission §2.2 item 10). Key names come in camelCase (the logical model) or
// snake_case (the reference QR codes), so both are read.
import { z } from 'zod';
import type { Coded, Evidence, HealthCertificate, Holder } from '../../model.js';
import type { Notice } from '../format.js';

const str = z.string().trim().max(200);
/** A coding as the logical model writes it: `{ system, code, display? }`, or a bare code. */
const coding = z.union([
  z.object({ code: z.string().trim().min(1).max(80), system: z.string().max(200).optional(), display: z.string().max(200).optional() }),
  z.string().trim().min(1).max(80).transform((code): { code: string; system?: string; display?: string } => ({ code })),
]);
const dateLike = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}/, 'must start with YYYY-MM-DD')
  .max(40)
  // A date the clock cannot read would silently drop a validity bound.
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date');
const count = z.union([z.number().int().min(1).max(20), z.string().regex(/^\d{1,2}$/).transform(Number)]);

const common = {
  name: str.min(1),
  birthDate: z.string().trim().regex(/^(\d{4}(-\d{2}(-\d{2})?)?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD').optional(),
  country: coding.optional(),
  centre: str.optional(),
  hcid: str.optional(),
  validFrom: dateLike.optional(),
  /** End of the certificate's validity in the reference QR codes (`valid_until`; WHO gdhcn-validator DdccLogicalModel). */
  validUntil: dateLike.optional(),
  certificate: z
    .object({
      hcid: coding.optional(),
      issuer: z.object({ identifier: z.object({ value: str }).partial().optional() }).partial().optional(),
      period: z.object({ start: dateLike.optional(), end: dateLike.optional() }).optional(),
    })
    .partial()
    .optional(),
};

const VsSchema = z.object({
  ...common,
  vaccine: coding,
  brand: coding.optional(),
  manufacturer: coding.optional(),
  disease: coding.optional(),
  date: dateLike,
  dose: count,
  totalDoses: count.optional(),
});

const TrSchema = z.object({
  ...common,
  test: z.object({
    pathogen: coding.optional(),
    type: coding,
    brand: coding.optional(),
    date: dateLike,
    result: coding,
    centre: str.optional(),
    country: coding.optional(),
  }),
});

/** snake_case keys of the reference implementation → the logical model's camelCase. */
function camel(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => camel(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (key !== '__proto__') out[key] = camel(v, depth + 1);
  }
  return out;
}

/** Tells the WHO model from the EU one by shape (`name`/`vaccine` vs `ver`/`nam`). */
export function looksLikeDdcc(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const o = json as Record<string, unknown>;
  return typeof o.name === 'string' && ('vaccine' in o || 'test' in o);
}

/** ICD-11, SNOMED and CVX codings normalised the way the policy's aliases are written. */
function productCode(c: { code: string; system?: string | undefined; display?: string | undefined }): Coded {
  const system = (c.system ?? '').toLowerCase();
  const prefix = system.includes('icd') ? 'ICD11:' : system.includes('snomed') ? 'SNOMED:' : system.includes('cvx') ? 'CVX:' : /^XM[0-9A-Z]{4}$/.test(c.code) ? 'ICD11:' : '';
  return { code: `${prefix}${c.code}`, ...(c.display ? { display: c.display } : {}) };
}

const coded = (c: { code: string; display?: string | undefined } | undefined): Coded | undefined =>
  c ? { code: c.code, ...(c.display ? { display: c.display } : {}) } : undefined;

export type DdccResult =
  | { ok: true; certificate: HealthCertificate; display: Record<string, unknown>; warnings: Notice[] }
  | { ok: false; problems: string[]; warnings: Notice[] };

/**
 * What a DDCC document certifies: its hcert sub-claim says (3 VS, 4 TR), and a whole-payload
 * document says by its shape. The key-usage check and the schema both go by this.
 */
export function ddccType(json: unknown, kind: 'VS' | 'TR' | 'auto'): 'test' | 'vaccination' {
  if (kind !== 'auto') return kind === 'TR' ? 'test' : 'vaccination';
  return typeof json === 'object' && json !== null && 'test' in json ? 'test' : 'vaccination';
}

/**
 * Validates a DDCC:VS or DDCC:TR document and maps it to the common model. `kind` comes from
 * the hcert sub-claim (3 VS, 4 TR) or, for a whole-payload document, from its shape.
 */
export function mapDdcc(json: unknown, kind: 'VS' | 'TR' | 'auto', claims: { iss?: string; issuedAt?: Date; expiresAt?: Date }): DdccResult {
  const doc = camel(json);
  const parsed = (ddccType(doc, kind) === 'test' ? TrSchema : VsSchema).safeParse(doc);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'document'}: ${i.message}`), warnings: [] };
  }
  const d = parsed.data;
  const holder: Holder = { familyName: d.name, ...(d.birthDate !== undefined ? { dateOfBirth: d.birthDate } : {}) };
  const country = coded(d.country);
  const certificateId = d.hcid ?? d.certificate?.hcid?.code;
  const base = {
    ...(country ? { country } : {}),
    ...(certificateId ? { certificateId } : {}),
  };
  let evidence: Evidence;
  let display: Record<string, unknown>;
  if ('test' in d) {
    const t = d.test;
    const resultCode = t.result.code;
    const positive = resultCode === '260373001' || /^(positive|detected)$/i.test(resultCode);
    const typeCode = t.type.code;
    evidence = {
      type: 'test',
      testType: { code: /antigen|LP217198-3/i.test(typeCode) ? 'LP217198-3' : /LP6464-4|naat|pcr/i.test(typeCode) ? 'LP6464-4' : typeCode, display: t.type.display ?? typeCode },
      sampledAt: t.date,
      result: { code: positive ? '260373001' : resultCode === '260415000' || /^(negative|not detected)$/i.test(resultCode) ? '260415000' : resultCode, ...(t.result.display ? { display: t.result.display } : {}) },
      positive,
      ...(t.centre ? { centre: t.centre } : {}),
      ...base,
    };
    display = { type: 'test', testType: evidence.testType, result: evidence.result, sampledAt: t.date, ...(t.centre ? { centre: t.centre } : {}), ...base };
  } else {
    const product = productCode(d.brand ?? d.vaccine);
    if (d.brand && !product.display && d.vaccine.display) product.display = d.vaccine.display;
    const totalDoses = d.totalDoses ?? d.dose;
    evidence = {
      type: 'vaccination',
      product,
      doseNumber: d.dose,
      totalDoses,
      ...(d.totalDoses === undefined ? { seriesFromCount: true } : {}),
      date: d.date.slice(0, 10),
      ...(d.disease ? { disease: coded(d.disease)! } : {}),
      ...(d.manufacturer ? { manufacturer: coded(d.manufacturer)! } : {}),
      ...base,
    };
    display = {
      type: 'vaccination',
      vaccine: coded(d.vaccine),
      product,
      dose: `${d.dose}/${totalDoses}`,
      doseNumber: d.dose,
      totalDoses,
      date: evidence.date,
      ...(d.centre ? { centre: d.centre } : {}),
      ...base,
    };
  }
  const issuedAt = claims.issuedAt;
  // Under a CWT the document's own end still ends it: whichever of `exp` and it comes first.
  const ends = [claims.expiresAt, ddccEnd(d)].filter((t): t is Date => t !== undefined);
  const expiresAt = ends.length > 0 ? new Date(Math.min(...ends.map((t) => t.getTime()))) : undefined;
  const certificate: HealthCertificate = {
    format: 'WHO_DDCC',
    holder,
    evidence,
    ...(issuedAt ? { issuedAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(claims.iss ?? country?.code ? { issuerCountry: (claims.iss ?? country?.code)! } : {}),
    raw: d,
  };
  return { ok: true, certificate, display, warnings: [] };
}

/** An ISO date or date-time as an instant (a bare date is midnight UTC); anything else is no instant. */
function instant(v: unknown): Date | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Where the document itself says its validity ends, the earliest of: the logical model's
 * `certificate.period.end` ("Certificate valid until", DDCC Core Data Set RC2) and the root
 * `validUntil` / `valid_until` of the WHO reference QR codes. Issue #10 item 5: this was ignored.
 */
export function ddccEnd(json: unknown): Date | undefined {
  return endOf(camel(json) as Record<string, unknown>);
}

function endOf(doc: Record<string, unknown>): Date | undefined {
  const cert = (doc.certificate ?? {}) as { period?: { end?: unknown } };
  const ends = [instant(cert.period?.end), instant(doc.validUntil)].filter((d): d is Date => d !== undefined);
  return ends.length > 0 ? new Date(Math.min(...ends.map((d) => d.getTime()))) : undefined;
}

/** Issuance and expiry of a whole-payload document (it has no CWT claims). */
export function ddccValidity(json: unknown): { issuedAt?: Date; expiresAt?: Date } {
  const doc = camel(json) as Record<string, unknown>;
  const cert = (doc.certificate ?? {}) as { period?: { start?: unknown } };
  const issuedAt = instant(cert.period?.start) ?? instant(doc.validFrom) ?? instant(doc.date);
  const expiresAt = endOf(doc);
  return { ...(issuedAt ? { issuedAt } : {}), ...(expiresAt ? { expiresAt } : {}) };
}
