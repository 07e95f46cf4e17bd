// The EU DCC Gateway's validation-rule format (dgc-gateway
// `src/main/resources/validation-rule.schema.json`, copied in dgc-business-rules-testdata
// `tests/validation-rule-schema.json`), parsed at the edge so evaluation can trust its types.
//
// Deliberately more tolerant than the gateway's upload check, because we CONSUME rules that the
// gateway already accepted (or that a national backend re-published):
// - extra fields are kept (national backends add `Region`, hashes, etc.);
// - the Identifier suffix is any run of digits: the gateway schema says `[1-9]\d*`, yet every
//   published rule is numbered `0001`… (dgc-business-rules-testdata, research §2.7);
// - `desc` has no 20-character minimum and an English description is not required;
// - versions only need to START with `major.minor.patch` (the gateway pattern is unanchored).
// What we do insist on is what selection and evaluation rely on: Type, Country, the three
// versions, CertificateType, parseable ValidFrom/ValidTo with a time zone, and an object Logic.

import { z } from 'zod';

const SEMVER_PREFIX = /^\d+\.\d+\.\d+/;
// Gateway pattern plus optional fractional seconds: "ISO 8601 Timestamp (without ms, with timezone)".
const TIMESTAMP = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d(\.\d+)?([-+][0-2]\d:[0-5]\d|Z)$/;

const semver = z.string().regex(SEMVER_PREFIX, 'expected a semantic version (major.minor.patch)');
const timestamp = z
  .string()
  .regex(TIMESTAMP, 'expected an ISO 8601 date-time with a time zone')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real date-time');

export const RULE_TYPES = ['Acceptance', 'Invalidation'] as const;
export const RULE_CERTIFICATE_TYPES = ['General', 'Test', 'Vaccination', 'Recovery'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export type RuleCertificateType = (typeof RULE_CERTIFICATE_TYPES)[number];

export const RuleDescriptionSchema = z.looseObject({
  lang: z.string().min(2),
  desc: z.string().min(1),
});

export const RuleSchema = z
  .looseObject({
    Identifier: z
      .string()
      .regex(/^(GR|VR|TR|RR|IR)-[A-Z]{2}-\d+$/, 'expected e.g. VR-DE-0001'),
    Type: z.enum(RULE_TYPES),
    // ISO 3166-1 alpha-2 of the rule owner; "EU" occurs for the EU template rules.
    Country: z.string().regex(/^[A-Z]{2}$/, 'expected an upper-case two-letter country code'),
    // EU-GW schema: Region `^[A-Z0-9]{0,5}$`; national rules may target a region (research §2.7).
    Region: z.string().regex(/^[A-Za-z0-9]{0,5}$/).optional(),
    Version: semver,
    SchemaVersion: semver,
    Engine: z.string().min(1),
    EngineVersion: semver,
    CertificateType: z.enum(RULE_CERTIFICATE_TYPES),
    Description: z.array(RuleDescriptionSchema).min(1),
    ValidFrom: timestamp,
    ValidTo: timestamp,
    AffectedFields: z.array(z.string()),
    // Gateway schema: "Logic": object with at least one property (a CertLogic operation).
    Logic: z
      .record(z.string(), z.unknown())
      .refine((o) => Object.keys(o).length > 0, 'Logic must be a non-empty object'),
  })
  .superRefine((rule, ctx) => {
    // Gateway upload constraint INVALID_RULE_ID: Invalidation ⇔ IR prefix
    // (dgc-business-rules-testdata tooling/Gateway-constraints.adoc). A rule breaking it would
    // be selected for the wrong country (arrival vs issuing), so it is rejected.
    const isIR = rule.Identifier.startsWith('IR-');
    if (isIR !== (rule.Type === 'Invalidation')) {
      ctx.addIssue({
        code: 'custom',
        path: ['Identifier'],
        message: 'Invalidation rules (and only they) must have an IR- identifier',
      });
    }
    if (Date.parse(rule.ValidFrom) >= Date.parse(rule.ValidTo)) {
      ctx.addIssue({ code: 'custom', path: ['ValidTo'], message: 'ValidFrom must be before ValidTo' });
    }
  });

export type Rule = z.infer<typeof RuleSchema>;
