// Foreign business rules (CertLogic) as the EU verifier apps apply them
// (research/anchors-mission.md §2.7). Pure: `at` is a parameter, nothing reads the clock.
//
// Selection (DE covpass `DefaultGetRulesUseCase.kt` + `RulesDao.kt`, same code as the EU
// reference app dgca-verifier-app-android):
//   - Acceptance rules whose Country is the arrival country and whose Region equals the
//     requested region (both absent/blank = no region), plus Invalidation rules whose Country is
//     the issuing country (only when it is known);
//   - valid at `at`: ValidFrom ≤ at < ValidTo. The DE query uses SQL BETWEEN (both ends
//     inclusive); we use the half-open range of the dgc-business-rules-testdata tooling
//     (`run-all-tests.ts`), so a rule and its successor never both apply at the switch instant;
//   - CertificateType equal to the certificate's type, or General;
//   - per Identifier only the highest Version.
//
// Per rule (DE `DefaultCertLogicEngine.kt`):
//   - Engine ≠ CERTLOGIC, or EngineVersion newer than the CertLogic spec we implement → OPEN;
//   - the DCC `ver` not a x.y.z version, or its major ≠ the rule's SchemaVersion major → OPEN;
//   - DCC `ver` older than SchemaVersion → FAILED (the DE code says FAIL here; research §2.7
//     summarises it as OPEN, which is not what the code does);
//   - else evaluate: true → PASSED, false → FAILED, error or a non-boolean value → OPEN.
//
// Overall: FAILED if any rule failed; else OPEN if any rule was OPEN **or no rule applied at
// all**; else PASSED. The EU apps show "valid" when a country has no rules, and users read that
// as "checked and fine" (covpass-android#67). An officer must not see PASSED for rules that were
// never run, so zero applicable rules gives OPEN with `evaluated: 0`.

import type { Lang } from '../errors.js';
import type { RulesResult } from '../model.js';
import { CERTLOGIC_SPEC_VERSION, SUPPORTED_ENGINE, compareSemver, evaluateLogic, parseSemver } from './certlogic.js';
import type { Rule, RuleCertificateType } from './schema.js';

export interface RulesInput {
  /** The DCC payload as JSON (hcert claim -260 / 1): `{ ver, nam, dob, v|t|r: [...] }`. */
  payload: unknown;
  issuedAt?: Date;
  expiresAt?: Date;
  /** Issuing country (CWT `iss`): selects its Invalidation rules; `external.issuerCountryCode`. */
  issuerCountry?: string;
  /** Base64 kid of the signer; `external.kid`. */
  kid?: string;
}

export interface RulesOptions {
  arrivalCountry: string;
  at: Date;
  /** `{ valueSetId: [codes] }`, see valueSetsForRules(). */
  valueSets: Readonly<Record<string, readonly string[]>>;
  /** Language of the rule descriptions returned (falls back to English, then the first). */
  lang?: Lang;
  /** Region inside the arrival country (EU-GW `Region`); absent = country-wide rules only. */
  region?: string;
}

/** Why a single rule ended as it did; stable codes for logs and tests. */
export type RuleReason =
  | 'EVALUATED'
  | 'ENGINE_UNSUPPORTED'
  | 'ENGINE_VERSION_UNSUPPORTED'
  | 'DCC_VERSION_UNKNOWN'
  | 'SCHEMA_MAJOR_MISMATCH'
  | 'DCC_VERSION_TOO_OLD'
  | 'EVALUATION_ERROR'
  | 'NON_BOOLEAN_RESULT';

export interface RuleOutcome {
  identifier: string;
  version: string;
  type: Rule['Type'];
  country: string;
  result: 'PASSED' | 'FAILED' | 'OPEN';
  reason: RuleReason;
  /** Engine error text (CertLogic messages; they never contain payload values we log). */
  error?: string;
  description?: string;
}

export interface RulesEvaluation {
  result: RulesResult;
  /** Every applied rule, in evaluation order (by Identifier). */
  outcomes: RuleOutcome[];
}

/** The CertLogic data context's `external` object (DE covpass `ExternalParameter.kt`). */
export interface ExternalParameters {
  validationClock: string;
  valueSets: Readonly<Record<string, readonly string[]>>;
  countryCode: string;
  exp?: string;
  iat?: string;
  issuerCountryCode?: string;
  kid?: string;
  region?: string;
}

export function buildExternal(input: Omit<RulesInput, 'payload'>, opts: RulesOptions): ExternalParameters {
  // ISO_OFFSET_DATE_TIME in the DE engine; certlogic-js parses any RFC 3339 instant the same way.
  const external: ExternalParameters = {
    validationClock: opts.at.toISOString(),
    valueSets: opts.valueSets,
    countryCode: opts.arrivalCountry,
  };
  if (input.expiresAt) external.exp = input.expiresAt.toISOString();
  if (input.issuedAt) external.iat = input.issuedAt.toISOString();
  if (input.issuerCountry) external.issuerCountryCode = input.issuerCountry;
  if (input.kid) external.kid = input.kid;
  if (opts.region) external.region = opts.region;
  return external;
}

/** `v` → Vaccination etc.; null when the payload holds none or more than one kind of entry. */
export function certificateTypeOf(payload: unknown): Exclude<RuleCertificateType, 'General'> | null {
  if (!isRecord(payload)) return null;
  const kinds: Exclude<RuleCertificateType, 'General'>[] = [];
  if (nonEmptyArray(payload['v'])) kinds.push('Vaccination');
  if (nonEmptyArray(payload['t'])) kinds.push('Test');
  if (nonEmptyArray(payload['r'])) kinds.push('Recovery');
  return kinds.length === 1 ? (kinds[0] ?? null) : null;
}

export interface SelectionCriteria {
  arrivalCountry: string;
  issuerCountry?: string;
  at: Date;
  /** null: only General rules apply (a payload without exactly one v/t/r entry kind). */
  certificateType: Exclude<RuleCertificateType, 'General'> | null;
  region?: string;
}

export function selectRules(rules: readonly Rule[], c: SelectionCriteria): Rule[] {
  const t = c.at.getTime();
  const region = (c.region ?? '').trim().toUpperCase();
  const best = new Map<string, Rule>();
  for (const rule of rules) {
    const applies =
      rule.Type === 'Acceptance'
        ? rule.Country === c.arrivalCountry && (rule.Region ?? '').trim().toUpperCase() === region
        : c.issuerCountry !== undefined && c.issuerCountry !== '' && rule.Country === c.issuerCountry;
    if (!applies) continue;
    if (!(Date.parse(rule.ValidFrom) <= t && t < Date.parse(rule.ValidTo))) continue;
    if (rule.CertificateType !== 'General' && rule.CertificateType !== c.certificateType) continue;
    // Key by Type too: an arrival country's acceptance rule and the issuer's invalidation rule
    // can never share an Identifier prefix (IR- vs the rest), but keep them apart regardless.
    const key = `${rule.Type}:${rule.Identifier}`;
    const held = best.get(key);
    if (!held || (compareSemver(rule.Version, held.Version) ?? 0) > 0) best.set(key, rule);
  }
  return [...best.values()].sort((a, b) =>
    a.Identifier < b.Identifier ? -1 : a.Identifier > b.Identifier ? 1 : a.Type < b.Type ? -1 : 1,
  );
}

/**
 * One rule against one data context `{ payload, external }`, including the engine and schema
 * version gates. This is exactly what evaluateRules() runs per selected rule.
 */
export function applyRule(
  rule: Rule,
  data: { payload: unknown; external: ExternalParameters },
  lang: Lang = 'en',
): RuleOutcome {
  const base = outcomeBase(rule, lang);
  const open = (reason: RuleReason, error?: string): RuleOutcome => ({
    ...base,
    result: 'OPEN',
    reason,
    ...(error !== undefined ? { error } : {}),
  });

  if (rule.Engine !== SUPPORTED_ENGINE) return open('ENGINE_UNSUPPORTED');
  const engineCmp = compareSemver(CERTLOGIC_SPEC_VERSION, rule.EngineVersion);
  if (engineCmp === null || engineCmp < 0) return open('ENGINE_VERSION_UNSUPPORTED');

  const dccVer = parseSemver(isRecord(data.payload) ? data.payload['ver'] : undefined);
  const schemaVer = parseSemver(rule.SchemaVersion);
  if (!dccVer || !schemaVer) return open('DCC_VERSION_UNKNOWN');
  if (dccVer[0] !== schemaVer[0]) return open('SCHEMA_MAJOR_MISMATCH');
  if ((compareSemver(dccVer.join('.'), schemaVer.join('.')) ?? 0) < 0) {
    return { ...base, result: 'FAILED', reason: 'DCC_VERSION_TOO_OLD' };
  }
  return runRuleLogic(rule, data, lang);
}

/**
 * The CertLogic step alone: true → PASSED, false → FAILED, anything else → OPEN.
 * applyRule() calls it after its gates; the business-rules conformance suite calls it directly
 * because the testdata payloads carry no `ver` (test/rules/business-rules.test.ts).
 */
export function runRuleLogic(
  rule: Rule,
  data: { payload: unknown; external: ExternalParameters },
  lang: Lang = 'en',
): RuleOutcome {
  const base = outcomeBase(rule, lang);
  const outcome = evaluateLogic(rule.Logic, data);
  if (!outcome.ok) return { ...base, result: 'OPEN', reason: 'EVALUATION_ERROR', error: outcome.error };
  if (outcome.value === true) return { ...base, result: 'PASSED', reason: 'EVALUATED' };
  if (outcome.value === false) return { ...base, result: 'FAILED', reason: 'EVALUATED' };
  return { ...base, result: 'OPEN', reason: 'NON_BOOLEAN_RESULT' };
}

export function evaluateRulesDetailed(
  input: RulesInput,
  rules: readonly Rule[],
  opts: RulesOptions,
): RulesEvaluation {
  const lang = opts.lang ?? 'en';
  // CertLogic works on JSON; a CBOR decoder may hand over Maps, Dates, undefined or Buffers.
  const payload = toJson(input.payload);
  const selected = selectRules(rules, {
    arrivalCountry: opts.arrivalCountry,
    ...(input.issuerCountry !== undefined ? { issuerCountry: input.issuerCountry } : {}),
    at: opts.at,
    certificateType: certificateTypeOf(payload.ok ? payload.value : undefined),
    ...(opts.region !== undefined ? { region: opts.region } : {}),
  });
  const external = buildExternal(input, opts);
  const outcomes = selected.map((rule): RuleOutcome => {
    if (!payload.ok) {
      return {
        ...outcomeBase(rule, lang),
        result: 'OPEN',
        reason: 'EVALUATION_ERROR',
        error: 'payload is not JSON-compatible',
      };
    }
    return applyRule(rule, { payload: payload.value, external }, lang);
  });
  const entry = (o: RuleOutcome) => ({
    identifier: o.identifier,
    ...(o.description !== undefined ? { description: o.description } : {}),
  });
  const failed = outcomes.filter((o) => o.result === 'FAILED').map(entry);
  const open = outcomes.filter((o) => o.result === 'OPEN').map(entry);
  const result: RulesResult = {
    result: failed.length > 0 ? 'FAILED' : open.length > 0 || outcomes.length === 0 ? 'OPEN' : 'PASSED',
    failed,
    open,
    arrivalCountry: opts.arrivalCountry,
    evaluated: outcomes.length,
  };
  return { result, outcomes };
}

/** The verdict the HTTP layer reports as `rules` (see evaluateRulesDetailed for per-rule reasons). */
export function evaluateRules(input: RulesInput, rules: readonly Rule[], opts: RulesOptions): RulesResult {
  return evaluateRulesDetailed(input, rules, opts).result;
}

/** Rule description in `lang`, else English, else the first one given. */
export function ruleDescription(rule: Rule, lang: Lang = 'en'): string | undefined {
  const d =
    rule.Description.find((x) => x.lang === lang) ??
    rule.Description.find((x) => x.lang === 'en') ??
    rule.Description[0];
  return d?.desc;
}

function outcomeBase(rule: Rule, lang: Lang): Omit<RuleOutcome, 'result' | 'reason'> {
  const description = ruleDescription(rule, lang);
  return {
    identifier: rule.Identifier,
    version: rule.Version,
    type: rule.Type,
    country: rule.Country,
    ...(description !== undefined ? { description } : {}),
  };
}

function toJson(value: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v));
    return { ok: true, value: text === undefined ? null : (JSON.parse(text) as unknown) };
  } catch {
    return { ok: false };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyArray(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}
