// The report (contract "POST /v1/verify") as zod schemas: the one source of its shape. The
// TypeScript types of src/model.ts are inferred from these (z.infer), and GET /openapi.json is
// generated from them (src/http/openapi.ts, zod 4's z.toJSONSchema), so what the code builds,
// what the document promises and what the tests validate cannot drift apart (issue #11 item 6).
//
// Kept beside model.ts, not under src/http/: the pipeline builds reports, and the core must
// not import the HTTP edge. Adding an optional field here is the whole change for a new field.
import { z } from 'zod';
import { ERROR_CODES, type ReportError } from './errors.js';
import { WARNING_TEXTS, type WarningCode } from './warnings.js';

export const CERTIFICATE_FORMATS = ['EU_DCC', 'WHO_DDCC', 'WHO_DVC', 'SHC', 'DIVOC', 'ICAO_VDS'] as const;
export const DOMESTIC_STATUSES = ['GREEN', 'YELLOW', 'RED', 'BLACK', 'INVALID'] as const;
export const CERTIFICATE_TYPES = ['vaccination', 'test', 'recovery'] as const;

/** The checks every report past the signature lists, in this order (contract "POST /v1/verify"). */
export const CHECK_NAMES = ['signature', 'signerValidity', 'keyUsage', 'issuedAt', 'expiry', 'revocation', 'schema'] as const;

/** Why a check a format cannot make is passed as not applicable (contract: `applies: false`). */
export const NOT_APPLICABLE_REASONS = ['NO_EXPIRY', 'NO_KEY_USAGE', 'NO_REVOCATION_DATA', 'NO_ISSUANCE_TIME', 'NO_SIGNER_VALIDITY'] as const;

const WARNING_CODES = Object.keys(WARNING_TEXTS) as [WarningCode, ...WarningCode[]];

export const CertificateFormatSchema = z.enum(CERTIFICATE_FORMATS);
export const ErrorCodeSchema = z.enum(ERROR_CODES as [(typeof ERROR_CODES)[number], ...(typeof ERROR_CODES)[number][]]).describe('A contract error code; never changes with the language');

export const ReportErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().describe('Human text in the request’s language (Accept-Language)'),
  detail: z.string().optional().describe('Technical detail for the officer; never personal data'),
});

export const ReportWarningSchema = z.object({
  code: z.enum(WARNING_CODES).describe('A warning code (src/warnings.ts); warnings never change the outcome'),
  message: z.string(),
});

export const SignerSummarySchema = z.object({
  kid: z.string().describe('base64 key id'),
  country: z.string(),
  algorithm: z.string(),
  source: z.string().describe('id of the trust source that lists the signer'),
  subject: z.string().optional(),
});

export const HolderSchema = z.object({
  familyName: z.string().optional(),
  givenName: z.string().optional(),
  /** ICAO 9303 transliteration (EU `fnt`/`gnt`), used to compare holders. */
  familyNameStd: z.string().optional().describe('ICAO 9303 transliteration of the family name'),
  givenNameStd: z.string().optional().describe('ICAO 9303 transliteration of the given name'),
  /** YYYY, YYYY-MM or YYYY-MM-DD; may be empty when the issuer left it blank. */
  dateOfBirth: z.string().optional().describe('YYYY, YYYY-MM or YYYY-MM-DD; empty when the issuer left it blank'),
});

/**
 * The normalised certificate an officer reads. An open record: each format adds its display
 * fields (value-set display names, a WHO DVC's clinician, …); the ones the contract names are typed.
 */
export const CertificateDisplaySchema = z
  .object({
    type: z.enum(CERTIFICATE_TYPES).optional(),
    healthLinks: z.array(z.string()).optional().describe('Health links carried beside the certificate (hcert −260/5), as written; never fetched'),
  })
  .catchall(z.unknown())
  .describe('Normalised fields with value-set display names');

const CheckNameSchema = z.enum(CHECK_NAMES);
/** `z.never().optional()`: the member is absent (JSON Schema `not: {}`), so the three kinds cannot be mixed. */
const absent = z.never().optional();

export const CheckSchema = z.union([
  z.object({ name: CheckNameSchema, passed: z.literal(true), applies: absent, reason: absent, code: absent }).describe('Passed'),
  z
    .object({ name: CheckNameSchema, passed: z.literal(true), applies: z.literal(false), reason: z.enum(NOT_APPLICABLE_REASONS), code: absent })
    .describe('Not applicable: the format cannot make this check; `reason` says why'),
  z.object({ name: CheckNameSchema, passed: z.literal(false), code: ErrorCodeSchema, applies: absent, reason: absent }).describe('Failed with `code`'),
]);

export const DomesticDecisionSchema = z.object({
  status: z.enum(DOMESTIC_STATUSES),
  reasons: z.array(z.string()).describe('Reason codes of the domestic policy (or the error codes of an INVALID certificate)'),
  reasonTexts: z.array(z.string()).optional().describe('Texts of the reasons in the request’s language, same order as `reasons`'),
  validUntil: z.string().nullable(),
  validFrom: z.string().optional().describe('From when the evidence counts, when the policy names a start (a yellow-fever vaccination: 10 days after it)'),
  policy: z.string().describe('id@version of the domestic policy'),
});

const RuleRefSchema = z.object({ identifier: z.string(), description: z.string().optional() });

export const RulesResultSchema = z.object({
  result: z.enum(['PASSED', 'FAILED', 'OPEN']),
  failed: z.array(RuleRefSchema),
  open: z.array(RuleRefSchema).optional(),
  arrivalCountry: z.string(),
  evaluated: z.number().optional(),
});

const valid = (r: { outcome: string; errors: unknown[]; domestic: { status: string } }) =>
  (r.outcome === 'VALID') === (r.errors.length === 0) && (r.outcome === 'INVALID') === (r.domestic.status === 'INVALID');

export const ReportSchema = z
  .object({
    outcome: z.enum(['VALID', 'INVALID']),
    checkedAt: z.string().optional().describe('The moment validity was checked at (the request’s `at`, or now), RFC 3339'),
    format: CertificateFormatSchema.nullable().describe('Set as soon as the prefix or shape is recognised; null when not recognised'),
    errors: z.array(ReportErrorSchema).describe('Empty exactly when outcome is VALID'),
    warnings: z.array(ReportWarningSchema),
    signer: SignerSummarySchema.optional(),
    issuedAt: z.string().optional(),
    expiresAt: z.string().optional(),
    holder: HolderSchema.optional(),
    certificate: CertificateDisplaySchema.optional(),
    checks: z.array(CheckSchema).describe('Past the signature: exactly the seven checks of the contract, in their order'),
    domestic: DomesticDecisionSchema,
    rules: RulesResultSchema.optional().describe('With `arrivalCountry`: the arrival country’s EU business rules'),
    receipt: z.string().optional().describe('With "receipt": true: a compact JWS (ES256) of the verdict, verifiable with /.well-known/jwks.json'),
  })
  .refine(valid, 'errors is empty and domestic.status is not INVALID exactly when outcome is VALID')
  // The same rule for JSON Schema (zod copies metadata into the generated schema).
  .meta({
    if: { properties: { outcome: { const: 'VALID' } } },
    then: { properties: { errors: { maxItems: 0 }, domestic: { properties: { status: { not: { const: 'INVALID' } } } } } },
    else: { properties: { errors: { minItems: 1 }, domestic: { properties: { status: { const: 'INVALID' } } } } },
  });

export const BatchResponseSchema = z.object({ results: z.array(ReportSchema).describe('One report per item, in order') });

export const HolderStatusResponseSchema = DomesticDecisionSchema.extend({ results: z.array(ReportSchema).describe('Every certificate’s report, in order') });

// errors.ts keeps its own ReportError (it must not import zod's schemas: no cycle); the
// compiler holds the two to one shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ReportErrorMatchesSchema = Assert<Same<z.infer<typeof ReportErrorSchema>, ReportError>>;
