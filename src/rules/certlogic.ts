// The one module that touches certlogic-js (Apache-2.0, the reference implementation of the
// CertLogic specification: ehn-dcc-development/eu-dcc-business-rules `certlogic/`).
// Plain json-logic-js is NOT a substitute: CertLogic's truthiness and its date-time operations
// differ (eu-dcc-business-rules#77; research/anchors-mission.md §2.7).
//
// Conformance: test/rules/certlogic.test.ts runs the whole specification test suite (232
// assertions) and the validation test suite (23 cases) against these wrappers.

import { evaluate, implementationVersion, specificationVersion } from 'certlogic-js';
import type { CertLogicExpression } from 'certlogic-js';
import { dataAccesses, validateFormat } from 'certlogic-js/dist/validation/index.js';

/** Version of the CertLogic specification certlogic-js implements (1.3.2 for certlogic-js 1.2.2). */
export const CERTLOGIC_SPEC_VERSION: string = specificationVersion;
/** The certlogic-js package version (1.2.2). */
export const CERTLOGIC_IMPLEMENTATION_VERSION: string = implementationVersion;

/**
 * The rule `EngineVersion` is compared with the SPECIFICATION version, not the package version
 * (dgc-business-rules-testdata#29 / eu-dcc-business-rules#29: "EngineVersion relies on
 * implementation version instead of spec. version" was fixed that way).
 */
export const SUPPORTED_ENGINE = 'CERTLOGIC';

export type LogicOutcome =
  | { ok: true; value: unknown }
  | { ok: false; error: string };

/**
 * Evaluates a CertLogic expression on a data context. Never throws: CertLogic defines many
 * situations as errors (e.g. `in` on a non-array, an if-guard that is neither truthy nor falsy,
 * an unparseable date), and the EU engines turn an error into an OPEN rule, not a crash
 * (DE covpass `DefaultCertLogicEngine.kt`).
 */
export function evaluateLogic(logic: unknown, data: unknown): LogicOutcome {
  try {
    return { ok: true, value: evaluate(logic as CertLogicExpression, data) };
  } catch (e) {
    // RangeError (stack overflow on a pathological expression) lands here too.
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export interface LogicIssue {
  /** The offending (sub-)expression. */
  expr: unknown;
  message: string;
}

/** Format validation of a CertLogic expression (certlogic-js `validateFormat`), [] when valid. */
export function validateLogic(logic: unknown): LogicIssue[] {
  return validateFormat(logic).map((e) => ({ expr: e.expr as unknown, message: e.message }));
}

/**
 * The data paths a (format-valid) expression can read, e.g. `payload.v.0.dn`,
 * `external.validationClock`. Useful to check a rule's AffectedFields.
 */
export function logicDataAccesses(logic: unknown): string[] {
  return dataAccesses(logic as CertLogicExpression);
}

/** Compares `major.minor.patch` prefixes numerically; null when either is not of that form. */
export function compareSemver(a: string, b: string): number | null {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa || !pb) return null;
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** `1.3.0` → [1, 3, 0]; anything else (e.g. `1.3`, `v1`) → null, as the DE engine's toVersion(). */
export function parseSemver(v: unknown): [number, number, number] | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
