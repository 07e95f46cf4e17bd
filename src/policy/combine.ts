// Several certificates of one person → one status (domestic-policy.md "Several certificates of
// one person"; research §4.1 step 6): BLACK wins, otherwise the best colour any single
// certificate or any of the policy's combination rules allows. PeduliLindungi's "one dose plus
// recovery within 90 days is green" (research §1.1, Feb 2022 FAQ [3][4]) is such a rule, kept
// as data in the policy file.

import type { Lang } from '../errors.js';
import type { DomesticDecision, HealthCertificate, Holder } from '../model.js';
import { ageAt, assess, cellFor, decision, type Assessment } from './evaluate.js';
import { OUTCOMES, type Outcome, type Policy, type PolicyStatus } from './schema.js';

/** The holder-status endpoint answers 422 with this code (contract.md). */
export class HolderMismatchError extends Error {
  override readonly name = 'HolderMismatchError';
  readonly code = 'HOLDER_MISMATCH';
  constructor(
    /** Index in the input of the first certificate whose holder differs from the first one's. */
    readonly index: number,
  ) {
    super(`HOLDER_MISMATCH: certificate ${index} belongs to a different holder`);
  }
}

/** NFC, trimmed, inner whitespace collapsed, upper-cased; absent = ''. */
export function normaliseName(name: string | undefined): string {
  return (name ?? '').normalize('NFC').trim().replace(/\s+/g, ' ').toUpperCase();
}

function sameName(stdA: string | undefined, stdB: string | undefined, a: string | undefined, b: string | undefined): boolean {
  const sa = normaliseName(stdA);
  const sb = normaliseName(stdB);
  // The ICAO 9303 transliteration (EU fnt/gnt) is the comparable form when both carry it;
  // otherwise compare the names as printed (falling back to whichever form exists).
  if (sa !== '' && sb !== '') return sa === sb;
  return normaliseName(a ?? stdA) === normaliseName(b ?? stdB);
}

function normaliseDob(dob: string | undefined): string {
  const s = (dob ?? '').trim();
  // Real certificates put date-times in date fields (formats.md §9); the day is what counts.
  return /^\d{4}-\d{2}-\d{2}T/.test(s) ? s.slice(0, 10) : s.toUpperCase();
}

/** A holder named by one string only (WHO DVC `n`, DIVOC `name`, a WHO DDCC `name`): no given name in any form. */
function singleName(h: Holder): boolean {
  return normaliseName(h.givenName) === '' && normaliseName(h.givenNameStd) === '' && normaliseName(h.familyName ?? h.familyNameStd) !== '';
}

/**
 * One name string against family and given names (domestic-policy.md "Digital ICVP": a DVC has one
 * `n` string): the same person when the string is the given names and the family name in either
 * order — as printed (NFC, upper case, spaces collapsed), or as ICAO 9303 spelling when both sides
 * carry it. Nothing looser: no reordering within the names, no dropped parts.
 */
function sameSingleName(one: Holder, two: Holder): boolean {
  const printed = normaliseName(one.familyName);
  const given = normaliseName(two.givenName);
  const family = normaliseName(two.familyName);
  if (printed !== '' && given !== '' && family !== '' && (printed === `${given} ${family}` || printed === `${family} ${given}`)) return true;
  const std = normaliseName(one.familyNameStd);
  const gnt = normaliseName(two.givenNameStd);
  const fnt = normaliseName(two.familyNameStd);
  return std !== '' && gnt !== '' && fnt !== '' && (std === `${gnt}<${fnt}` || std === `${fnt}<${gnt}`);
}

/** Same person: same standardised (or else printed) family and given names, same date of birth. */
export function sameHolder(a: Holder, b: Holder): boolean {
  if (normaliseDob(a.dateOfBirth) !== normaliseDob(b.dateOfBirth)) return false;
  if (sameName(a.familyNameStd, b.familyNameStd, a.familyName, b.familyName) && sameName(a.givenNameStd, b.givenNameStd, a.givenName, b.givenName)) return true;
  // One side names the holder with one string, the other with family and given names.
  if (singleName(a) !== singleName(b)) return singleName(a) ? sameSingleName(a, b) : sameSingleName(b, a);
  return false;
}

interface Candidate {
  status: PolicyStatus;
  reason: string;
  validUntil: Date | null;
  validFrom?: Date;
  /** Reasons are listed in a fixed order (combination rules first, then OUTCOMES order) so the
   * answer does not depend on the order the certificates were sent in. */
  order: number;
}

const RANK: Record<PolicyStatus, number> = { BLACK: 0, GREEN: 1, YELLOW: 2, RED: 3 };

/** Later end wins; null means open-ended and beats every date. */
function lasts(v: Date | null): number {
  return v === null ? Number.POSITIVE_INFINITY : v.getTime();
}

function bestOf(items: Assessment[], outcome: Outcome): Assessment | undefined {
  return items
    .filter((a) => a.outcome === outcome)
    .reduce<Assessment | undefined>((best, a) => (best === undefined || lasts(a.validUntil) > lasts(best.validUntil) ? a : best), undefined);
}

/**
 * One status for several verified certificates of the same holder (failed ones must be left
 * out by the caller: they count for nothing). Throws HolderMismatchError when the holders
 * differ. No certificate at all gives the policy's NO_VALID_CERT cell.
 */
export function combine(certs: HealthCertificate[], policy: Policy, at: Date, lang: Lang): DomesticDecision {
  const first = certs[0];
  if (first === undefined) {
    const cell = cellFor(policy, 'NO_VALID_CERT', null);
    return decision(policy, cell.status, [cell.reason], null, lang);
  }
  const mismatch = certs.findIndex((c) => !sameHolder(first.holder, c.holder));
  if (mismatch !== -1) throw new HolderMismatchError(mismatch);

  const age = ageAt(first.holder.dateOfBirth, at);
  const assessments = certs.map((c) => assess(c, policy, at));
  const candidates: Candidate[] = assessments.map((a) => {
    const cell = cellFor(policy, a.outcome, age);
    return {
      status: cell.status,
      reason: cell.reason,
      validUntil: cell.noEnd ? null : a.validUntil,
      ...(a.validFrom ? { validFrom: a.validFrom } : {}),
      order: policy.combinations.length + OUTCOMES.indexOf(a.outcome),
    };
  });

  for (const [i, rule] of policy.combinations.entries()) {
    if (rule.minAge !== undefined && (age === null || age < rule.minAge)) continue;
    if (rule.maxAge !== undefined && (age === null || age > rule.maxAge)) continue;
    const parts = rule.when.map((o) => bestOf(assessments, o));
    if (parts.some((p) => p === undefined)) continue;
    // The combination holds only while every part does.
    const ends = parts.map((p) => p?.validUntil ?? null).filter((d): d is Date => d !== null);
    const validUntil = ends.length === 0 ? null : new Date(Math.min(...ends.map((d) => d.getTime())));
    candidates.push({ status: rule.status, reason: rule.reason, validUntil, order: i });
  }

  // BLACK first (not configurable), then GREEN > YELLOW > RED; among equals the longest-lasting.
  const bestRank = Math.min(...candidates.map((c) => RANK[c.status]));
  const top = candidates.filter((c) => RANK[c.status] === bestRank);
  const longest = Math.max(...top.map((c) => lasts(c.validUntil)));
  const winners = top.filter((c) => lasts(c.validUntil) === longest);
  const reasons = [...new Set(winners.sort((a, b) => a.order - b.order).map((c) => c.reason))];
  const status = winners[0]?.status ?? 'RED';
  // A start (yellow fever: day 10) is reported only when every winning piece of evidence has one.
  const starts = winners.map((c) => c.validFrom);
  const validFrom = starts.every((d): d is Date => d !== undefined) && starts.length > 0 ? new Date(Math.min(...starts.map((d) => d.getTime()))) : undefined;
  return decision(policy, status, reasons, Number.isFinite(longest) ? new Date(longest) : null, lang, validFrom);
}
