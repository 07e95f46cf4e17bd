// The domestic policy file format (docs/domestic-policy.md "The policy is a file, not code";
// research/domestic.md §4.4 lists what is configurable). Parsed once at start-up with zod;
// the evaluator trusts the parsed types (guide.md habit 4).
//
// Two things are deliberately NOT configurable (domestic-policy.md, research §4.4 last list):
// BLACK for a recent positive test (the schema refuses any other colour for TEST_POSITIVE and
// the evaluator forces it again), and signature verification (which never reaches this code).

import { z } from 'zod';

/**
 * What the evaluator can conclude from one certificate (research §4.1–4.3). These are the
 * matrix's row keys; the matrix maps each to a colour and a reason code. Stable strings.
 */
export const OUTCOMES = [
  'VAX_BOOSTED',
  'VAX_PRIMARY_COMPLETE',
  'VAX_WAITING_PERIOD',
  'VAX_PARTIAL',
  'VAX_PRIMARY_EXPIRED',
  'VAX_PRODUCT_NOT_RECOGNISED',
  'TEST_POSITIVE',
  'TEST_POSITIVE_EXPIRED',
  'TEST_NEG_NAAT',
  'TEST_NEG_RAT',
  'TEST_EXPIRED',
  'TEST_TYPE_NOT_RECOGNISED',
  'TEST_NOT_YET_VALID',
  'RECOVERED_90D',
  'RECOVERY_EXPIRED',
  // WHO digital ICVP (domestic-policy.md "Digital ICVP (WHO_DVC)"); COVID-19 ones use the rows above.
  'ICVP_YF_VALID',
  'ICVP_YF_NOT_YET_VALID',
  'ICVP_VALID',
  'ICVP_OUT_OF_VALIDITY',
  'ICVP_DISEASE_NOT_RECOGNISED',
  'EVIDENCE_INVALID',
  'NO_VALID_CERT',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Colours a policy may assign; INVALID is reserved for failed verification. */
export const POLICY_STATUSES = ['GREEN', 'YELLOW', 'RED', 'BLACK'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

/** Test kinds the evaluator knows; the outcome of a negative test is `TEST_NEG_<kind>`. */
export const TEST_KINDS = ['NAAT', 'RAT'] as const;
export type TestKind = (typeof TEST_KINDS)[number];

const ReasonCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'reason codes are upper-case letters, digits and _');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const Status = z.enum(POLICY_STATUSES);
const NonEmpty = z.string().trim().min(1, 'must not be empty');
const Days = z.number().int().min(0);

/**
 * A matrix cell: `"GREEN"` is shorthand for `{ "status": "GREEN" }` (reason = the outcome).
 * `noEnd`: the status holds with no end date whatever the evidence's own window (ID-2023-06: a
 * COVID certificate is informative only, so a negative test's 72 hours end nothing).
 */
const Cell = z.union([Status, z.strictObject({ status: Status, reason: ReasonCode.optional(), noEnd: z.boolean().optional() })]);
export type MatrixCellInput = z.input<typeof Cell>;
export interface MatrixCell {
  status: PolicyStatus;
  /** Reason code reported; absent means the outcome code itself. */
  reason?: string;
  /** validUntil is null for this cell (absent: false). */
  noEnd?: boolean;
}

const LegalBasis = z.strictObject({
  /** The circular as cited, e.g. "SE Satgas Penanganan COVID-19 No. 21 Tahun 2022". */
  citation: NonEmpty,
  issuer: NonEmpty.optional(),
  date: IsoDate.optional(),
  /** What this policy takes from it. */
  covers: NonEmpty.optional(),
  /** Where the text or a report quoting it can be read (research/domestic.md §7 numbers). */
  sources: z.array(NonEmpty).optional(),
});

const Product = z.strictObject({
  /** EU value-set `mp` code, or the policy's own code (`ID:ZIFIVAX`) when there is none. */
  id: NonEmpty,
  name: NonEmpty,
  primaryDoses: z.number().int().min(1).max(10),
  /**
   * Codes in other systems as the adapters normalise them (`CVX:207`, `SNOMED:…`, `ICD11:…`)
   * and names (brand, manufacturer, INN: `Covishield (ChAdOx1_nCoV-19)`, `AstraZeneca`). All
   * are compared by productKey (case, spaces, punctuation and diacritics ignored), and a
   * name text may be a run of this product's aliases and neutral words (evaluate.ts).
   */
  aliases: z.array(NonEmpty).default([]),
  /** e.g. WHO_EUL, BPOM_EUA — informative. */
  authorisations: z.array(NonEmpty).optional(),
  note: z.string().optional(),
});

/**
 * How free-text product names are read (issue #10 item 4: ICAO seals and SHC name products in
 * free text, e.g. "AstraZeneca Vaxzevria", "COVID-19 Vaccine Janssen").
 */
const ProductMatching = z.strictObject({
  /**
   * Words that name no product on their own and are skipped between aliases: generic words
   * ("COVID-19", "vaccine") and manufacturers of more than one product ("Serum Institute of
   * India": Covishield and Covovax). Matched like aliases; never an alias too (checked).
   */
  neutralWords: z.array(NonEmpty).default([]),
  note: z.string().optional(),
});

const TestType = z.strictObject({
  kind: z.enum(TEST_KINDS),
  /** A negative result counts while `at` − `sc` ≤ this (inclusive). */
  windowHours: z.number().positive(),
});

const AgeBand = {
  minAge: z.number().int().min(0).optional(),
  maxAge: z.number().int().min(0).optional(),
};

const Combination = z.strictObject({
  /** All of these outcomes must be present among the holder's certificates. */
  when: z.array(z.enum(OUTCOMES)).min(2, 'a combination needs at least two outcomes'),
  status: z.enum(['GREEN', 'YELLOW', 'RED']),
  reason: ReasonCode,
  ...AgeBand,
  note: z.string().optional(),
});

const AgeOverride = z.strictObject({
  id: NonEmpty,
  minAge: z.number().int().min(0),
  maxAge: z.number().int().min(0),
  matrix: z.partialRecord(z.enum(OUTCOMES), Cell),
  note: z.string().optional(),
});

const Text = z.strictObject({ id: NonEmpty, en: NonEmpty });

/**
 * How a disease of the ICVP is judged (domestic-policy.md "Digital ICVP"): YELLOW_FEVER from the
 * vaccination date + `yellowFeverValidAfterDays`, for life, whatever `vle` says (IHR Annex 7 as
 * amended in 2014); VALIDITY_WINDOW inside the certificate's `vls`–`vle`; COVID by the COVID
 * vaccination rules of this file, with the product from `mp`, else `vp`.
 */
export const ICVP_RULES = ['YELLOW_FEVER', 'VALIDITY_WINDOW', 'COVID'] as const;
export type IcvpRule = (typeof ICVP_RULES)[number];
const IcvpCode = z.string().trim().min(1).max(40);
const IcvpDisease = z.strictObject({
  /** Disease-targeted codes (`tg`): ICD-11 (`1D47`), and the SNOMED code EU certificates use where one exists. */
  codes: z.array(IcvpCode).min(1),
  name: NonEmpty,
  rule: z.enum(ICVP_RULES),
  /** Vaccine classes (`vp`, ICD-11 `XM…`) that name this disease when `tg` names none the policy knows. */
  vaccineClasses: z.array(IcvpCode).default([]),
  note: z.string().optional(),
});
const Icvp = z.strictObject({
  yellowFeverValidAfterDays: Days,
  /** A disease not listed here is RED ICVP_DISEASE_NOT_RECOGNISED. */
  diseases: z.array(IcvpDisease).min(1),
  note: z.string().optional(),
});

const PolicyObject = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(/^[A-Z0-9][A-Z0-9-]*$/, 'policy ids are upper-case letters, digits and -'),
  version: z.number().int().min(1),
  title: z.strictObject({ id: NonEmpty, en: NonEmpty }),
  description: z.string().optional(),
  legalBasis: z.array(LegalBasis).min(1, 'a policy must cite at least one legal basis'),
  effective: z.strictObject({ from: IsoDate, to: IsoDate.nullable() }),
  products: z.array(Product).min(1),
  productMatching: ProductMatching.default({ neutralWords: [] }),
  vaccination: z.strictObject({
    /** Days after the last primary dose before it counts (SE 20/2021: 14). */
    primaryWaitDays: Days,
    /** Optional ceiling on a primary series' age (EU intra-EU 270; Indonesia none → null). */
    primaryMaxAgeDays: z.number().int().min(1).nullable(),
    /** 1/1 of a two-dose product is complete (EU "one dose after recovery" encoding). */
    oneOfOneCountsComplete: z.boolean(),
    booster: z.strictObject({
      /** `dn` > `sd` (2/1, 3/2) is a booster (EU encoding from 1 Feb 2022). */
      doseAboveTotal: z.boolean(),
      /** `dn` = `sd` > primary doses (3/3 Comirnaty) is a booster. */
      totalAbovePrimary: z.boolean(),
      waitDays: Days,
    }),
  }),
  tests: z.strictObject({
    /** Keyed by LOINC `tt`; a type not listed gives TEST_TYPE_NOT_RECOGNISED. */
    types: z.record(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'test type keys are codes such as LP6464-4'), TestType),
    positiveIsolationDays: z.number().int().min(1),
    /** Tolerance for a sample time after `at` before TEST_NOT_YET_VALID. */
    sampleClockSkewMinutes: Days,
  }),
  recovery: z.strictObject({ windowDays: z.number().int().min(1) }),
  /** The WHO digital ICVP (`WHO_DVC`): which disease is judged by which rule. */
  icvp: Icvp,
  /** Colour and reason per outcome, for holders no age override matches (or of unknown age). */
  matrix: z.record(z.enum(OUTCOMES), Cell),
  /** Age bands (completed years at `at`) whose cells replace the base matrix's; first match wins. */
  ageOverrides: z.array(AgeOverride).default([]),
  /** Evidence from several certificates of one holder that together allow a better colour. */
  combinations: z.array(Combination).default([]),
  /** Bahasa Indonesia and English text for every reason code the policy can report. */
  texts: z.record(ReasonCode, Text),
});

function normaliseCell(outcome: Outcome, cell: MatrixCellInput): Required<MatrixCell> {
  return typeof cell === 'string'
    ? { status: cell, reason: outcome, noEnd: false }
    : { status: cell.status, reason: cell.reason ?? outcome, noEnd: cell.noEnd === true };
}

/**
 * The form in which product codes and names are compared: compatibility-decomposed, without
 * diacritics, upper case, letters and digits only — "Pfizer-BioNTech", "PFIZER BIONTECH" and
 * "pfizer/biontech" are one name; `CVX:208` is `CVX208`.
 */
export function productKey(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');
}

export const PolicySchema = PolicyObject.superRefine((p, ctx) => {
  // Aliases are looked up by productKey across all products; a code naming two products
  // would make the answer depend on table order.
  const seen = new Map<string, string>();
  p.products.forEach((product, i) => {
    const keys: [string, (string | number)[]][] = [
      [product.id, ['products', i, 'id']],
      ...product.aliases.map((a, j): [string, (string | number)[]] => [a, ['products', i, 'aliases', j]]),
    ];
    for (const [key, path] of keys) {
      const k = productKey(key);
      if (k === '') {
        ctx.addIssue({ code: 'custom', path, message: `"${key}" has no letter or digit to match` });
        continue;
      }
      const owner = seen.get(k);
      if (owner !== undefined && owner !== product.id) {
        ctx.addIssue({ code: 'custom', path, message: `"${key}" already names product ${owner}` });
      }
      seen.set(k, product.id);
    }
  });
  p.productMatching.neutralWords.forEach((word, i) => {
    const k = productKey(word);
    const path = ['productMatching', 'neutralWords', i];
    if (k === '') ctx.addIssue({ code: 'custom', path, message: `"${word}" has no letter or digit to match` });
    const owner = seen.get(k);
    if (owner !== undefined) ctx.addIssue({ code: 'custom', path, message: `"${word}" names product ${owner}; a neutral word names none` });
  });

  // BLACK precedence is not configurable (domestic-policy.md).
  const positive = p.matrix.TEST_POSITIVE;
  if (normaliseCell('TEST_POSITIVE', positive).status !== 'BLACK') {
    ctx.addIssue({ code: 'custom', path: ['matrix', 'TEST_POSITIVE'], message: 'must be BLACK (not configurable)' });
  }
  p.ageOverrides.forEach((band, i) => {
    if (band.maxAge < band.minAge) {
      ctx.addIssue({ code: 'custom', path: ['ageOverrides', i, 'maxAge'], message: 'must be ≥ minAge' });
    }
    const cell = band.matrix.TEST_POSITIVE;
    if (cell !== undefined && normaliseCell('TEST_POSITIVE', cell).status !== 'BLACK') {
      ctx.addIssue({
        code: 'custom',
        path: ['ageOverrides', i, 'matrix', 'TEST_POSITIVE'],
        message: 'must be BLACK (not configurable)',
      });
    }
  });

  // A disease or vaccine class code naming two diseases would make the rule depend on table order.
  const icvpOwner = new Map<string, number>();
  p.icvp.diseases.forEach((d, i) => {
    const keys: [string, (string | number)[]][] = [
      ...d.codes.map((c, j): [string, (string | number)[]] => [c.toUpperCase(), ['icvp', 'diseases', i, 'codes', j]]),
      ...d.vaccineClasses.map((c, j): [string, (string | number)[]] => [`vp:${c.toUpperCase()}`, ['icvp', 'diseases', i, 'vaccineClasses', j]]),
    ];
    for (const [key, path] of keys) {
      const owner = icvpOwner.get(key);
      if (owner !== undefined && owner !== i) ctx.addIssue({ code: 'custom', path, message: `"${key.replace(/^vp:/, '')}" already names ${p.icvp.diseases[owner]?.name}` });
      icvpOwner.set(key, i);
    }
  });

  if (p.effective.to !== null && p.effective.to < p.effective.from) {
    ctx.addIssue({ code: 'custom', path: ['effective', 'to'], message: 'must not be before effective.from' });
  }

  // Every reason the policy can report needs both texts.
  const needText = (reason: string, path: (string | number)[]): void => {
    if (!Object.hasOwn(p.texts, reason)) {
      ctx.addIssue({ code: 'custom', path: ['texts', reason], message: `missing id/en texts (used at ${path.join('.')})` });
    }
  };
  for (const outcome of OUTCOMES) {
    needText(normaliseCell(outcome, p.matrix[outcome]).reason, ['matrix', outcome]);
  }
  p.ageOverrides.forEach((band, i) => {
    for (const [outcome, cell] of Object.entries(band.matrix) as [Outcome, MatrixCellInput | undefined][]) {
      if (cell !== undefined) needText(normaliseCell(outcome, cell).reason, ['ageOverrides', i, 'matrix', outcome]);
    }
  });
  p.combinations.forEach((c, i) => needText(c.reason, ['combinations', i, 'reason']));
}).transform((p) => ({
  ...p,
  matrix: Object.fromEntries(OUTCOMES.map((o) => [o, normaliseCell(o, p.matrix[o])])) as Record<
    Outcome,
    Required<MatrixCell>
  >,
  ageOverrides: p.ageOverrides.map((band) => ({
    ...band,
    matrix: Object.fromEntries(
      Object.entries(band.matrix)
        .filter((e): e is [Outcome, MatrixCellInput] => e[1] !== undefined)
        .map(([o, cell]) => [o, normaliseCell(o, cell)]),
    ) as Partial<Record<Outcome, Required<MatrixCell>>>,
  })),
}));

/** A parsed, validated policy; matrix cells are normalised to `{ status, reason }`. */
export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyProduct = Policy['products'][number];
export type PolicyCombination = Policy['combinations'][number];
