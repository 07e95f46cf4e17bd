// The trust store: one immutable snapshot (resolver + per-source status) swapped in one step
// (guide.md "The shape"). A snapshot is built from per-source load outcomes; a source whose
// load failed keeps its previous good signers, so a failing list never empties the store
// (contract.md "Trust lists"; security.md T-7). The guards of security.md §2.9 / §4.5 live
// here too, so every path into the store (start-up, refresh, operator import) passes them:
// rollback (T-4), equivocation (T-5), mass shrink held for an operator (T-7), freshness (T-6).
import { createHash } from 'node:crypto';
import type { RevocationData, SourceResult } from './sources/common.js';
import { crlRevocation } from './crl.js';
import { isNewerShcCrl, isRevoked, type ShcCrl } from './shc-crl.js';
import { shcKeyId } from './sources/shc-keys.js';
import type { DroppedEntry, RevocationKeys, RevocationQuery, RevocationVerdict, Signer, SignerKind, SourceStatus, TrustResolver } from './types.js';
import type { SourceCode } from './codes.js';

/** The bytes a list arrived as, kept so the last good list can be written to DATA_DIR. */
export interface RawList {
  bytes: Uint8Array;
  /** Detached signature bytes (vci-snapshot), when the source has one. */
  signature?: Uint8Array;
  etag?: string;
  /** hex SHA-256 of bytes (and signature): tells a re-served list from a changed one. */
  sha256: string;
}

/** Per-source limits, from sources.json with the refresher's defaults. */
export interface SourcePolicy {
  staleAfterMs?: number;
  maxAgeMs?: number;
  /** Fraction of the entries in force a new list must keep, else it is held (0 disables). */
  shrinkGuard?: number;
}

/** Default shrink guard: a validated list keeping under half the entries is held (security.md T-7). */
export const DEFAULT_SHRINK_GUARD = 0.5;

/** What one attempt to load one source produced (a file read, a download, a last-good copy). */
export type SourceOutcome =
  | {
      id: string;
      type: string;
      at: Date;
      ok: true;
      kind: SignerKind;
      result: SourceResult;
      origin?: 'file' | 'url' | 'snapshot';
      /** When the list was obtained (a last-good copy: its original download), default `at`. */
      fetchedAt?: Date;
      raw?: RawList;
      policy?: SourcePolicy;
      /** An operator accepted it (held list, CLI import): the shrink and rollback guards do not apply. */
      force?: boolean;
    }
  /** The server said the list in force is still current (304 / 204): refreshed, nothing changed. */
  | { id: string; type: string; at: Date; ok: 'unchanged'; policy?: SourcePolicy }
  | { id: string; type: string; at: Date; ok: false; error: string; code?: SourceCode; policy?: SourcePolicy };

type LoadedOutcome = Extract<SourceOutcome, { ok: true }>;

/** One source as it stands in a snapshot: the signers in force and its status. */
export interface SourceState {
  readonly id: string;
  readonly type: string;
  /** null when the source never loaded. */
  readonly kind: SignerKind | null;
  readonly signers: readonly Signer[];
  /** CSCA CRLs (DER) by the kid of the CSCA that signed them; empty except for icao-csca. */
  readonly crls: ReadonlyMap<string, readonly Uint8Array[]>;
  /** SMART Health Card key CRLs by `iss` NUL `kid`; jwks and vci-snapshot. */
  readonly shcCrls?: ReadonlyMap<string, ShcCrl>;
  readonly status: SourceStatus;
  readonly revocation?: RevocationData;
  readonly raw?: RawList;
  readonly policy?: SourcePolicy;
  readonly listTime?: { at: Date; kind: 'signed' | 'newest-entry' };
  /** A list held by the shrink guard, waiting for an operator. */
  readonly held?: LoadedOutcome;
  /** true when the last attempt failed after a success (the list in force is older than it). */
  readonly refreshFailed?: boolean;
}


export interface TrustSnapshot {
  readonly resolver: TrustResolver;
  readonly sources: readonly SourceStatus[];
  readonly builtAt: Date;
  /** Per-source signers in force, in sources.json order; what the next build falls back to. */
  readonly states: readonly SourceState[];
  /** Distinct signers across all sources (a certificate listed by two sources counts once). */
  readonly signerCount: number;
  readonly countries: Readonly<Record<string, number>>;
  /**
   * The snapshot's id: a hash of what is in force (each source's list and whether it counts), so
   * every process that loaded the same lists names the same snapshot (contract "One instance,
   * one trust state"), and it changes exactly when the signers or revocation data in force do.
   */
  readonly id: string;
}

/** What GET /v1/trust shows. */
export interface TrustSummary {
  /** The id of the snapshot in force (TrustSnapshot.id). */
  snapshot: string;
  builtAt: string;
  ready: boolean;
  /** true when any source runs on an older list than its last attempt, or past its stale age. */
  stale: boolean;
  signerCount: number;
  countries: Record<string, number>;
  sources: (SourceStatus & { ageSeconds: number | null })[];
}

/** Entries listed per source in its status; the total is always given (droppedTotal). */
const MAX_DROPPED_LISTED = 100;
const NO_SIGNERS: readonly Signer[] = Object.freeze([]);
const UNKNOWN_COUNTRY = 'unknown';

function countCountries(signers: readonly Signer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of signers) {
    const c = s.country || UNKNOWN_COUNTRY;
    out[c] = (out[c] ?? 0) + 1;
  }
  return out;
}

/** How many entries carry each code (entries without one count as UNSPECIFIED). */
function countCodes(entries: readonly { code?: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.code ?? 'UNSPECIFIED'] = (out[e.code ?? 'UNSPECIFIED'] ?? 0) + 1;
  return out;
}

const entryCountOf = (signers: number, revocation: RevocationData | undefined): number => signers + (revocation?.entryCount ?? 0);

function freshState(outcome: LoadedOutcome): SourceState {
  const signers = Object.freeze(outcome.result.signers.map((s) => Object.freeze(s)));
  const dropped: DroppedEntry[] = outcome.result.dropped;
  const notices = outcome.result.notices;
  const crls = new Map<string, readonly Uint8Array[]>();
  for (const [cscaKid, list] of outcome.result.crls ?? []) crls.set(cscaKid, Object.freeze([...list]));
  const shcCrls = outcome.result.shcCrls;
  const iso = outcome.at.toISOString();
  const listTime = outcome.result.listTime;
  const revocation = outcome.result.revocation;
  return {
    id: outcome.id,
    type: outcome.type,
    kind: outcome.kind,
    signers,
    crls,
    ...(shcCrls ? { shcCrls } : {}),
    ...(revocation ? { revocation } : {}),
    ...(outcome.raw ? { raw: outcome.raw } : {}),
    ...(outcome.policy ? { policy: outcome.policy } : {}),
    ...(listTime ? { listTime } : {}),
    refreshFailed: false,
    status: Object.freeze({
      id: outcome.id,
      type: outcome.type,
      lastSuccess: (outcome.fetchedAt ?? outcome.at).toISOString(),
      lastAttempt: iso,
      lastError: null,
      stale: false,
      signerCount: signers.length,
      countries: countCountries(signers),
      dropped: dropped.slice(0, MAX_DROPPED_LISTED),
      droppedTotal: dropped.length,
      droppedCodes: countCodes(dropped),
      ...(notices ? { notices: notices.slice(0, MAX_DROPPED_LISTED), noticeTotal: notices.length, noticeCodes: countCodes(notices) } : {}),
      origin: outcome.origin ?? null,
      errorCode: null,
      listTime: listTime ? listTime.at.toISOString() : null,
      listTimeKind: listTime ? listTime.kind : null,
      held: null,
      expired: false,
      ...(revocation ? { revocationEntries: revocation.entryCount } : {}),
    }),
  };
}

function failedState(
  id: string,
  type: string,
  at: Date,
  error: string,
  code: SourceCode | undefined,
  previous: SourceState | undefined,
  policy: SourcePolicy | undefined,
  held?: LoadedOutcome,
): SourceState {
  const iso = at.toISOString();
  // The previous list stays in force only when it is the same list (same id and type).
  if (previous && previous.type === type && previous.status.lastSuccess !== null) {
    const keepHeld = held ?? previous.held;
    return {
      ...previous,
      ...(policy ? { policy } : {}),
      ...(keepHeld ? { held: keepHeld } : {}),
      refreshFailed: true,
      status: Object.freeze({
        ...previous.status,
        lastAttempt: iso,
        lastError: error,
        errorCode: code ?? null,
        stale: true,
        held: keepHeld ? heldInfo(keepHeld, previous) : null,
      }),
    };
  }
  return {
    id,
    type,
    kind: null,
    signers: NO_SIGNERS,
    crls: new Map(),
    ...(policy ? { policy } : {}),
    status: Object.freeze({
      id,
      type,
      lastSuccess: null,
      lastAttempt: iso,
      lastError: error,
      stale: false,
      signerCount: 0,
      countries: {},
      dropped: [],
      droppedTotal: 0,
      origin: null,
      errorCode: code ?? null,
      listTime: null,
      listTimeKind: null,
      held: null,
      expired: false,
    }),
  };
}

function heldInfo(held: LoadedOutcome, previous: SourceState): NonNullable<SourceStatus['held']> {
  return {
    at: held.at.toISOString(),
    signerCount: held.result.signers.length,
    entryCount: entryCountOf(held.result.signers.length, held.result.revocation),
    previousEntryCount: entryCountOf(previous.signers.length, previous.revocation),
  };
}

/**
 * Why a loaded list must not replace the one in force, or undefined when it may.
 * Rollback and shrink are judged only for downloads: a file is what the operator placed, a
 * last-good copy is what we accepted before, and `force` is an operator's explicit decision.
 */
function guardVerdict(outcome: LoadedOutcome, previous: SourceState): { code: SourceCode; error: string; hold?: boolean } | undefined {
  const newCount = entryCountOf(outcome.result.signers.length, outcome.result.revocation);
  const oldCount = entryCountOf(previous.signers.length, previous.revocation);
  const revocationOnly = outcome.kind === 'revocation';
  // A validated list with no signer never silently empties the store (T-7), whatever its origin.
  if (!revocationOnly && outcome.result.signers.length === 0 && previous.signers.length > 0 && outcome.origin !== 'snapshot') {
    return { code: 'EMPTY_LIST', error: 'the list loaded with no usable signer; the previous list is kept (held for an operator)', hold: true };
  }
  if (outcome.origin !== 'url') return undefined;
  const before = previous.listTime;
  const now = outcome.result.listTime;
  if (before && now) {
    if (now.at.getTime() < before.at.getTime()) {
      return {
        code: 'ROLLBACK',
        error: `rollback refused: the list is dated ${now.at.toISOString()}, older than the one in force (${before.at.toISOString()})`,
      };
    }
    if (
      before.kind === 'signed' &&
      now.kind === 'signed' &&
      now.at.getTime() === before.at.getTime() &&
      previous.raw &&
      outcome.raw &&
      previous.raw.sha256 !== outcome.raw.sha256
    ) {
      return { code: 'EQUIVOCATION', error: `equivocation refused: another list with the same signed time ${now.at.toISOString()}` };
    }
  }
  const fraction = outcome.policy?.shrinkGuard ?? previous.policy?.shrinkGuard ?? DEFAULT_SHRINK_GUARD;
  if (fraction > 0 && oldCount > 0 && newCount < oldCount * fraction) {
    return {
      code: 'SHRINK_HELD',
      error: `the list keeps ${newCount} of ${oldCount} entries (under ${Math.round(fraction * 100)} %): held for an operator, the previous list is kept`,
      hold: true,
    };
  }
  return undefined;
}

/**
 * The state of one source after an outcome, given what was in force. A list that loads but
 * fails a guard (rollback, equivocation, mass shrink, empty) is treated as a failure: the
 * previous list stays in force and the status says why.
 */
export function nextSourceState(outcome: SourceOutcome, previous: SourceState | undefined): SourceState {
  if (outcome.ok === false) {
    return failedState(outcome.id, outcome.type, outcome.at, outcome.error, outcome.code, previous, outcome.policy);
  }
  if (outcome.ok === 'unchanged') {
    if (!previous || previous.type !== outcome.type || previous.status.lastSuccess === null) {
      return failedState(outcome.id, outcome.type, outcome.at, 'the server reported no change, but no list is in force', 'NO_LIST', previous, outcome.policy);
    }
    const iso = outcome.at.toISOString();
    return {
      ...previous,
      ...(outcome.policy ? { policy: outcome.policy } : {}),
      refreshFailed: false,
      status: Object.freeze({ ...previous.status, lastSuccess: iso, lastAttempt: iso, lastError: null, errorCode: null, stale: false }),
    };
  }
  if (previous && previous.type === outcome.type && previous.status.lastSuccess !== null && !outcome.force) {
    const verdict = guardVerdict(outcome, previous);
    if (verdict) {
      return failedState(outcome.id, outcome.type, outcome.at, verdict.error, verdict.code, previous, outcome.policy, verdict.hold ? outcome : undefined);
    }
  }
  return freshState(outcome);
}

/** Same certificate (or, without one, same key and identity): listed by two sources, kept once. */
function sameSigner(a: Signer, b: Signer): boolean {
  if (a.certificateDer && b.certificateDer) return Buffer.from(a.certificateDer).equals(b.certificateDer);
  if (a.certificateDer || b.certificateDer) return false;
  return a.kid === b.kid && a.iss === b.iss && a.keyId === b.keyId && a.publicKey.equals(b.publicKey);
}

function addTo(map: Map<string, Signer[]>, key: string, signer: Signer): boolean {
  const bucket = map.get(key);
  if (!bucket) {
    map.set(key, [signer]);
    return true;
  }
  if (bucket.some((s) => sameSigner(s, signer))) return false;
  bucket.push(signer);
  return true;
}

function freezeAll<T>(map: Map<string, T[]>): ReadonlyMap<string, readonly T[]> {
  for (const list of map.values()) Object.freeze(list);
  return map;
}

/** Builds the lookup maps once per snapshot, so every lookup is one Map.get. */
function buildResolver(states: readonly SourceState[]): { resolver: TrustResolver; signerCount: number; countries: Record<string, number> } {
  const dcc = new Map<string, Signer[]>();
  const shc = new Map<string, Signer[]>();
  const csca = new Map<string, Signer[]>();
  const divoc = new Map<string, Signer[]>();
  const crls = new Map<string, { source: string; ders: Uint8Array[] }>();
  const shcCrls = new Map<string, { source: string; crl: ShcCrl }>();
  const revocations: { source: string; data: RevocationData }[] = [];
  const stale = new Set<string>();
  const distinct: Signer[] = [];
  for (const state of states) {
    if (state.status.stale) stale.add(state.id);
    // Past its maximum age a source's entries stop counting (security.md T-6 hard limit).
    if (state.status.expired) continue;
    if (state.revocation) revocations.push({ source: state.id, data: state.revocation });
    for (const signer of state.signers) {
      let added = false;
      switch (state.kind) {
        case 'dcc':
          added = addTo(dcc, signer.kid, signer);
          break;
        case 'shc':
          if (signer.iss !== undefined) added = addTo(shc, shcKeyId(signer.iss, signer.kid), signer);
          break;
        case 'csca':
          if (signer.country) added = addTo(csca, signer.country.toUpperCase(), signer);
          break;
        case 'divoc':
          if (signer.keyId !== undefined) added = addTo(divoc, signer.keyId, signer);
          break;
        case 'revocation':
        case null:
          break;
      }
      if (added) distinct.push(signer);
    }
    for (const [cscaKid, list] of state.crls) {
      const bucket = crls.get(cscaKid) ?? { source: state.id, ders: [] };
      bucket.ders.push(...list);
      crls.set(cscaKid, bucket);
    }
    // Two sources with a CRL of one key (a jwks and the VCI snapshot): the newer list is in force.
    for (const [id, crl] of state.shcCrls ?? []) if (isNewerShcCrl(crl, shcCrls.get(id)?.crl)) shcCrls.set(id, { source: state.id, crl });
  }
  const maps = { dcc: freezeAll(dcc), shc: freezeAll(shc), csca: freezeAll(csca), divoc: freezeAll(divoc) };
  const revocation = (keys: RevocationKeys, at: Date): RevocationVerdict => {
    switch (keys.kind) {
      case 'dcc': {
        // No revocation source in force: no hashes to compute (they cost a SHA-256 each).
        if (revocations.length === 0) return { data: false };
        const query: RevocationQuery = { kid: keys.kid, hashes: keys.hashes() };
        // A handful of sources, each an O(1) set lookup per hash type.
        for (const { source, data } of revocations) {
          if (data.kids.has(keys.kid)) return { data: true, hit: { source, by: 'KID' } };
          for (const { type, hash } of query.hashes) if (data.sets[type]?.has(hash)) return { data: true, hit: { source, by: type } };
        }
        return { data: true };
      }
      case 'shc-rid': {
        const entry = shcCrls.get(shcKeyId(keys.iss, keys.kid));
        if (!entry) return { data: false };
        const revoked = keys.rid !== undefined && isRevoked(entry.crl, keys.rid, keys.nbf);
        return { data: true, ...(revoked ? { hit: { source: entry.source, by: 'RID' as const } } : {}) };
      }
      case 'x509-crl': {
        const entry = crls.get(keys.issuer.kid);
        return entry ? crlRevocation(entry.ders, keys.serialNumber, at, entry.source) : { data: false };
      }
      case 'none':
        return { data: false };
    }
  };
  const resolver: TrustResolver = Object.freeze({
    dcc: (kid: string) => maps.dcc.get(kid) ?? NO_SIGNERS,
    shc: (iss: string, kid: string) => maps.shc.get(shcKeyId(iss, kid)) ?? NO_SIGNERS,
    csca: (country: string) => maps.csca.get(country.toUpperCase()) ?? NO_SIGNERS,
    divoc: (id: string) => maps.divoc.get(id) ?? NO_SIGNERS,
    revocation,
    sourceStale: (source: string) => stale.has(source),
  });
  return { resolver, signerCount: distinct.length, countries: countCountries(distinct) };
}

/** Time-dependent status (stale, expired) of a state at `at`, from its policy. */
function timeFlags(state: SourceState, at: Date): { stale: boolean; expired: boolean } {
  const last = state.status.lastSuccess === null ? null : Date.parse(state.status.lastSuccess);
  const age = last === null ? null : at.getTime() - last;
  const expired = age !== null && state.policy?.maxAgeMs !== undefined && age > state.policy.maxAgeMs;
  const tooOld = age !== null && state.policy?.staleAfterMs !== undefined && age > state.policy.staleAfterMs;
  return { stale: state.refreshFailed === true || tooOld || expired, expired };
}

function withTimeFlags(state: SourceState, at: Date): SourceState {
  const { stale, expired } = timeFlags(state, at);
  if (state.status.stale === stale && (state.status.expired ?? false) === expired) return state;
  return { ...state, status: Object.freeze({ ...state.status, stale, expired }) };
}

/**
 * The snapshot of `states` judged at `builtAt`. Exported for a cluster worker, which installs the
 * states its primary sent (src/trust/transfer.ts) and so names the same snapshot id.
 */
export function snapshotOf(states: readonly SourceState[], builtAt: Date): TrustSnapshot {
  const frozen = Object.freeze(states.map((s) => withTimeFlags(s, builtAt)));
  const { resolver, signerCount, countries } = buildResolver(frozen);
  return Object.freeze({
    id: snapshotId(frozen),
    resolver,
    sources: Object.freeze(frozen.map((s) => s.status)),
    builtAt: new Date(builtAt.getTime()),
    states: frozen,
    signerCount,
    countries: Object.freeze(countries),
  });
}

/**
 * A content hash of the states in force: a source counts by the bytes of its list (or, for one
 * built without them, by its signers' kids) and by whether it is past its maximum age.
 */
function snapshotId(states: readonly SourceState[]): string {
  const h = createHash('sha256');
  for (const s of states) {
    const content = s.raw?.sha256 ?? s.signers.map((x) => `${x.kid}:${x.source}`).join(',');
    h.update(`${s.id}\u0000${s.kind ?? ''}\u0000${s.status.expired ? 1 : 0}\u0000${content}\u0000${s.status.revocationEntries ?? ''}\n`);
  }
  return h.digest('base64url').slice(0, 22);
}

/** A snapshot with no sources: what a store holds before anything loaded. */
export function emptySnapshot(builtAt: Date): TrustSnapshot {
  return snapshotOf([], builtAt);
}

/**
 * A snapshot of exactly the sources in `outcomes` (in that order, e.g. sources.json order).
 * A failed source falls back to its state in `previous` when there is one.
 */
export function buildSnapshot(outcomes: readonly SourceOutcome[], builtAt: Date, previous?: TrustSnapshot): TrustSnapshot {
  const before = new Map((previous?.states ?? []).map((s) => [s.id, s]));
  return snapshotOf(
    outcomes.map((o) => nextSourceState(o, before.get(o.id))),
    builtAt,
  );
}

/**
 * `previous` with only the sources in `outcomes` replaced (a refresh of some sources); the
 * others stay exactly as they were. A source not in `previous` is appended.
 */
export function updateSnapshot(previous: TrustSnapshot, outcomes: readonly SourceOutcome[], builtAt: Date): TrustSnapshot {
  const byId = new Map<string, SourceOutcome[]>();
  for (const o of outcomes) byId.set(o.id, [...(byId.get(o.id) ?? []), o]);
  const apply = (state: SourceState | undefined, list: readonly SourceOutcome[]): SourceState => {
    let s = state;
    for (const o of list) s = nextSourceState(o, s);
    return s!;
  };
  const states = previous.states.map((s) => {
    const list = byId.get(s.id);
    return list ? apply(s, list) : s;
  });
  const known = new Set(previous.states.map((s) => s.id));
  for (const [id, list] of byId) if (!known.has(id)) states.push(apply(undefined, list));
  return snapshotOf(states, builtAt);
}

/** Holds the snapshot in force. No global: the app builds one and passes it down. */
export class TrustStore {
  #snapshot: TrustSnapshot;

  constructor(initial: TrustSnapshot) {
    this.#snapshot = initial;
  }

  /** The snapshot in force; a request takes it once and uses its resolver throughout. */
  current(): TrustSnapshot {
    return this.#snapshot;
  }

  /** Replaces the snapshot in one step; readers holding the old one keep a consistent view. */
  swap(next: TrustSnapshot): void {
    this.#snapshot = next;
  }

  /**
   * Applies outcomes of some sources to the snapshot in force, synchronously, so two refreshes
   * finishing one after the other never lose each other's result.
   */
  update(outcomes: readonly SourceOutcome[], at: Date): TrustSnapshot {
    const next = updateSnapshot(this.#snapshot, outcomes, at);
    this.swap(next);
    return next;
  }

  /**
   * Re-judges staleness and maximum age at `at` (the refresher's clock tick). Swaps in a new
   * snapshot only when a source crossed a threshold; returns whether it did.
   */
  tick(at: Date): boolean {
    const snap = this.#snapshot;
    const changed = snap.states.some((s) => {
      const f = timeFlags(s, at);
      return f.stale !== s.status.stale || f.expired !== (s.status.expired ?? false);
    });
    if (changed) this.swap(snapshotOf(snap.states, at));
    return changed;
  }

  /** The list the shrink guard holds for source `id`, if any. */
  held(id: string): LoadedOutcome | undefined {
    return this.#snapshot.states.find((s) => s.id === id)?.held;
  }

  /**
   * An operator accepts the held list of source `id`: it replaces the list in force. Throws
   * when nothing is held. Returns the new snapshot.
   */
  acceptHeld(id: string, at: Date): TrustSnapshot {
    const held = this.held(id);
    if (!held) throw new Error(`source "${id}" has no held list`);
    return this.update([{ ...held, at, force: true }], at);
  }

  /** At least one source has signers in force (GET /readyz). */
  ready(): boolean {
    return this.#snapshot.states.some((s) => s.signers.length > 0 && !s.status.expired);
  }

  /** GET /v1/trust; `at` (the request time) gives each source's age. */
  summary(at: Date = this.#snapshot.builtAt): TrustSummary {
    const snap = this.#snapshot;
    const sources = snap.states.map((state) => {
      const s = state.status;
      const flags = timeFlags(state, at);
      return {
        ...s,
        stale: flags.stale,
        expired: flags.expired,
        countries: { ...s.countries },
        dropped: s.dropped.map((d) => ({ ...d })),
        ageSeconds: s.lastSuccess === null ? null : Math.max(0, Math.floor((at.getTime() - Date.parse(s.lastSuccess)) / 1000)),
      };
    });
    return {
      snapshot: snap.id,
      builtAt: snap.builtAt.toISOString(),
      ready: this.ready(),
      stale: sources.some((s) => s.stale),
      signerCount: snap.signerCount,
      countries: { ...snap.countries },
      sources,
    };
  }
}
