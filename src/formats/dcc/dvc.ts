// WHO digital vaccination certificate / digital ICVP: HC1 with hcert claim −260 sub-claim −6
// (`DVCMin`, smart-trust hcert.fsh; ICVP product ids from the smart-icvp IG). formats.md "WHO
// digital vaccination certificate / digital ICVP": one name string `n`, `dob`, `s`, `ntl`, `nid`,
// `gn` and ONE vaccination `v` (`dn tg vp mp ma mid dt bo vls vle cn is`).
//
// The schema accepts what real issuers write (../shared/vectors/who-dvc, WHO gdhcn-validator test
// resources): `s` as `M` or `female`, `dn` as `1`, `Primary` or `secondDose`, `ntl` alpha-2 or
// alpha-3, no `cn`/`is` although the model asks for one of them, `mp` holding `"1"`. Structure is
// strict (`v` one vaccination; dates readable); display names come from the ICVP catalogue
// (icvp-catalogue.json, built by scripts/build-icvp-catalogue.ts; CC BY-NC-SA 3.0 IGO, NOTICE)
// and, for COVID products, the EU value sets.
import { z } from 'zod';
import type { Coded, HealthCertificate, Holder, VaccinationEvidence } from '../../model.js';
import type { Mapped } from '../format.js';
import { toAlpha2 } from '../icao/countries.js';
import catalogue from './icvp-catalogue.json' with { type: 'json' };
import { countryName, display as euDisplay } from './valuesets.js';

export interface IcvpProduct {
  display: string;
  tradeName: string | null;
  manufacturer: string;
  vaccineType: string;
  /** ICD-11 diseases its vaccine type targets (the first is the one the ICVP certifies). */
  diseases: string[];
}

// Null-prototype copies: codes come from untrusted certificates (`constructor` must miss).
function table<T>(source: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, source));
}
const PRODUCTS = table(catalogue.products as Record<string, IcvpProduct>);
const DISEASES = table(catalogue.diseases as Record<string, string>);
const VACCINE_CODES = table(catalogue.vaccineCodes as Record<string, string>);


/** The catalogue entry of an ICVP product id (`YellowFeverProductd8a09f…` = STAMARIL), if any. */
export function icvpProduct(id: string | undefined): IcvpProduct | undefined {
  return id !== undefined && Object.hasOwn(PRODUCTS, id) ? PRODUCTS[id] : undefined;
}

/** ICD-11 display of a disease targeted (DiseaseTargeted), else the EU value set's (SNOMED). */
export function diseaseName(code: string): string | undefined {
  return Object.hasOwn(DISEASES, code) ? DISEASES[code] : euDisplay('disease-agent-targeted', code);
}

/** ICD-11 display of a vaccine class (ICVPVaccineCodes), else the EU vaccine-prophylaxis set's. */
export function vaccineClassName(code: string): string | undefined {
  return Object.hasOwn(VACCINE_CODES, code) ? VACCINE_CODES[code] : euDisplay('vaccine-prophylaxis', code);
}

const MAX_TEXT = 200;
/** Absent, null or "" (issuers write all three for "none") are one absence. */
const absent = (v: unknown) => (v === '' || v === null ? undefined : v);
const text = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(z.string().min(1, 'must not be empty').max(MAX_TEXT));
/** A code: a string, or an integer some issuers write for numeric codes. */
const code = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v).normalize('NFC').trim())
  .pipe(z.string().min(1, 'must not be empty').max(80));
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(absent, schema.optional());

/** A calendar day; a date-time in a date field (real issuers do this) counts as its first ten characters. */
const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/, 'must be YYYY-MM-DD')
  .transform((s) => s.slice(0, 10))
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'must be a calendar date');
const birthDate = z
  .string()
  .trim()
  .regex(/^\d{4}(?:-\d{2}(?:-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD')
  .transform((s) => s.slice(0, 10));

const Vaccination = z
  .object({
    dn: code,
    tg: opt(code),
    vp: opt(code),
    mp: opt(code),
    ma: opt(text),
    mid: opt(code),
    dt: day,
    bo: opt(text),
    vls: opt(day),
    vle: opt(day),
    cn: opt(text),
    is: opt(text),
  })
  .refine((v) => v.tg !== undefined || v.vp !== undefined || v.mp !== undefined, { message: 'names no disease (tg), vaccine class (vp) or product (mp)', path: ['tg'] })
  .refine((v) => v.vls === undefined || v.vle === undefined || v.vls <= v.vle, { message: 'validity ends before it starts', path: ['vle'] });

export const DvcSchema = z.object({
  n: text,
  dob: birthDate,
  s: opt(code),
  ntl: opt(z.string().trim().regex(/^[A-Za-z]{2,3}$/, 'must be an ISO 3166 alpha-2 or alpha-3 code')),
  nid: opt(text),
  gn: opt(text),
  // One vaccination (formats.md); the WHO validator's model reads a list, so a list of one is read too.
  v: z.union([Vaccination, z.array(Vaccination).length(1, 'must hold exactly one vaccination').transform((list) => list[0]!)]),
});
export type Dvc = z.output<typeof DvcSchema>;

const ORDINALS: Readonly<Record<string, number>> = table({ first: 1, '1st': 1, one: 1, primary: 1, second: 2, '2nd': 2, two: 2, third: 3, '3rd': 3, three: 3, fourth: 4, '4th': 4, four: 4, fifth: 5, '5th': 5, five: 5 });

/**
 * The dose number of a `dn` code: `2`, `secondDose`, `Second dose`, `Primary` (the primary
 * vaccination, a single dose for yellow fever). A code no rule reads (`booster`) is 0: the COVID
 * rules then call the evidence invalid rather than guess a number.
 */
export function doseNumberOf(dn: string): number {
  if (/^\d{1,2}$/.test(dn)) return Number(dn);
  const word = dn.replace(/[\s_-]*dose$/i, '').toLowerCase();
  return Object.hasOwn(ORDINALS, word) ? ORDINALS[word]! : 0;
}

function coded(code: string, name: string | undefined): Coded {
  return name === undefined ? { code } : { code, display: name };
}

/** An ISO 3166 code as alpha-2 where it is one we know; otherwise upper-cased as written. */
function country(codeText: string): Coded {
  const upper = codeText.trim().toUpperCase();
  const alpha2 = toAlpha2(upper) ?? upper;
  return coded(alpha2, alpha2.length === 2 ? countryName(alpha2) : undefined);
}

export interface DvcClaims {
  iss?: string;
  issuedAt?: Date;
  expiresAt?: Date;
}

/** The holder a DVC names, read without the rest of the schema (for a report whose schema failed). */
function dvcHolder(json: unknown): Holder | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { n, dob } = json as Record<string, unknown>;
  const name = typeof n === 'string' ? n.normalize('NFC').trim().slice(0, MAX_TEXT) : '';
  if (name === '') return undefined;
  return { familyName: name, ...(typeof dob === 'string' ? { dateOfBirth: dob.trim().slice(0, 10) } : {}) };
}

/** Validates a DVCMin payload and maps it to the common model and the report's `certificate` block. */
export function mapDvc(json: unknown, claims: DvcClaims): Mapped {
  const parsed = DvcSchema.safeParse(json);
  if (!parsed.success) {
    const holder = dvcHolder(json);
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`),
      ...(holder ? { holder } : {}),
    };
  }
  const d = parsed.data;
  const v = d.v;
  // One name string, kept whole as familyName (as DIVOC's single name is): the console shows it as written.
  const holder: Holder = { familyName: d.n, dateOfBirth: d.dob };

  // The product: an ICVP catalogue id (in `mp`, or in `vp` as ICVPMin puts it), else an EU value-set
  // product (COVID), else the code as written.
  const catalogueId = [v.mp, v.vp].find((c) => icvpProduct(c) !== undefined);
  const fromCatalogue = icvpProduct(catalogueId);
  const product: Coded | undefined = fromCatalogue
    ? coded(catalogueId!, fromCatalogue.display)
    : v.mp !== undefined
      ? coded(v.mp, euDisplay('vaccine-medicinal-product', v.mp))
      : undefined;
  const vaccineClass = v.vp !== undefined && v.vp !== catalogueId ? coded(v.vp, vaccineClassName(v.vp)) : undefined;
  const diseaseCode = v.tg ?? fromCatalogue?.diseases[0];
  const disease = diseaseCode !== undefined ? coded(diseaseCode, diseaseName(diseaseCode)) : undefined;
  const manufacturerName = v.ma ?? fromCatalogue?.manufacturer;
  const manufacturer =
    v.mid !== undefined || manufacturerName !== undefined
      ? coded(v.mid ?? manufacturerName!, manufacturerName ?? euDisplay('vaccine-mah-manf', v.mid!))
      : undefined;

  const doseNumber = doseNumberOf(v.dn);
  const evidence: VaccinationEvidence = {
    type: 'vaccination',
    // No mp at all: the vaccine class stands for the product (the policy may know its code).
    product: product ?? vaccineClass ?? { code: '' },
    ...(vaccineClass ? { prophylaxis: vaccineClass } : {}),
    ...(manufacturer ? { manufacturer } : {}),
    ...(disease ? { disease } : {}),
    // DVCMin states no series: the policy judges the count (model.ts seriesFromCount).
    doseNumber,
    totalDoses: doseNumber,
    seriesFromCount: true,
    ...(String(doseNumber) !== v.dn ? { doseLabel: v.dn } : {}),
    date: v.dt,
    ...(v.bo ? { batch: v.bo } : {}),
    ...(v.cn ? { clinician: v.cn } : {}),
    ...(v.is ? { issuer: v.is } : {}),
    ...(v.vls ? { validFrom: v.vls } : {}),
    ...(v.vle ? { validUntil: v.vle } : {}),
  };

  const iss = claims.iss?.trim();
  const issuer = iss ? country(iss) : undefined;
  const certificate: HealthCertificate = {
    format: 'WHO_DVC',
    holder,
    evidence,
    ...(claims.issuedAt ? { issuedAt: claims.issuedAt } : {}),
    ...(claims.expiresAt ? { expiresAt: claims.expiresAt } : {}),
    ...(issuer ? { issuerCountry: issuer.code } : {}),
    raw: d,
  };

  const nationality = d.ntl !== undefined ? country(d.ntl) : undefined;
  const shown: Record<string, unknown> = {
    type: 'vaccination',
    disease,
    vaccine: vaccineClass,
    product: evidence.product.code === '' ? undefined : evidence.product,
    manufacturer,
    dose: v.dn,
    doseNumber: doseNumber > 0 ? doseNumber : undefined,
    date: v.dt,
    batch: v.bo,
    validFrom: v.vls,
    validUntil: v.vle,
    issuer: v.is,
    clinician: v.cn,
    nationality: nationality?.code,
    nationalityName: nationality?.display,
    issuerCountry: issuer?.code,
    issuerCountryName: issuer?.display,
  };
  const display = Object.fromEntries(Object.entries(shown).filter(([, value]) => value !== undefined));
  return { ok: true, certificate, display };
}
