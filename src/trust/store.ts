// The trust store: one immutable snapshot (resolver + per-source status) swapped in one step
// (guide.md "The shape"). A snapshot is built from per-source load outcomes; a source whose
// load failed keeps its previous good signers, so a failing list never empties the store
// (contract.md "Trust lists"; security.md T-7).
import type { SourceResult } from './sources/common.js';
import type { DroppedEntry, Signer, SignerKind, SourceStatus, TrustResolver } from './types.js';

/** What one attempt to load one source produced (a file read today, a download later). */
export type SourceOutcome =
  | { id: string; type: string; at: Date; ok: true; kind: SignerKind; result: SourceResult }
  | { id: string; type: string; at: Date; ok: false; error: string };

/** One source as it stands in a snapshot: the signers in force and its status. */
export interface SourceState {
  readonly id: string;
  readonly type: string;
  /** null when the source never loaded. */
  readonly kind: SignerKind | null;
  readonly signers: readonly Signer[];
  /** CSCA CRLs (DER) by country; empty except for icao-csca. */
  readonly crls: ReadonlyMap<string, readonly Uint8Array[]>;
  readonly status: SourceStatus;
}

/** The store's resolver always answers cscaCrls. */
export type SnapshotResolver = TrustResolver & { cscaCrls(country: string): readonly Uint8Array[] };

export interface TrustSnapshot {
  readonly resolver: SnapshotResolver;
  readonly sources: readonly SourceStatus[];
  readonly builtAt: Date;
  /** Per-source signers in force, in sources.json order; what the next build falls back to. */
  readonly states: readonly SourceState[];
  /** Distinct signers across all sources (a certificate listed by two sources counts once). */
  readonly signerCount: number;
  readonly countries: Readonly<Record<string, number>>;
}

/** What GET /v1/trust shows. */
export interface TrustSummary {
  builtAt: string;
  ready: boolean;
  /** true when any source runs on an older list than its last attempt. */
  stale: boolean;
  signerCount: number;
  countries: Record<string, number>;
  sources: (SourceStatus & { ageSeconds: number | null })[];
}

/** Entries listed per source in its status; the total is always given (droppedTotal). */
const MAX_DROPPED_LISTED = 100;
const NO_SIGNERS: readonly Signer[] = Object.freeze([]);
const NO_CRLS: readonly Uint8Array[] = Object.freeze([]);
const UNKNOWN_COUNTRY = 'unknown';

function countCountries(signers: readonly Signer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of signers) {
    const c = s.country || UNKNOWN_COUNTRY;
    out[c] = (out[c] ?? 0) + 1;
  }
  return out;
}

function freshState(outcome: Extract<SourceOutcome, { ok: true }>): SourceState {
  const signers = Object.freeze(outcome.result.signers.map((s) => Object.freeze(s)));
  const dropped: DroppedEntry[] = outcome.result.dropped;
  const crls = new Map<string, readonly Uint8Array[]>();
  for (const [country, list] of outcome.result.crls ?? []) crls.set(country.toUpperCase(), Object.freeze([...list]));
  const iso = outcome.at.toISOString();
  return {
    id: outcome.id,
    type: outcome.type,
    kind: outcome.kind,
    signers,
    crls,
    status: Object.freeze({
      id: outcome.id,
      type: outcome.type,
      lastSuccess: iso,
      lastAttempt: iso,
      lastError: null,
      stale: false,
      signerCount: signers.length,
      countries: countCountries(signers),
      dropped: dropped.slice(0, MAX_DROPPED_LISTED),
      droppedTotal: dropped.length,
    }),
  };
}

function failedState(id: string, type: string, at: Date, error: string, previous: SourceState | undefined): SourceState {
  const iso = at.toISOString();
  // The previous list stays in force only when it is the same list (same id and type).
  if (previous && previous.type === type && previous.status.lastSuccess !== null) {
    return {
      ...previous,
      status: Object.freeze({ ...previous.status, lastAttempt: iso, lastError: error, stale: true }),
    };
  }
  return {
    id,
    type,
    kind: null,
    signers: NO_SIGNERS,
    crls: new Map(),
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
    }),
  };
}

/**
 * The state of one source after an outcome, given what was in force. A list that loads but
 * yields no signer while the previous one had some is treated as a failure (security.md T-7:
 * a validated empty list must not silently empty the store).
 */
export function nextSourceState(outcome: SourceOutcome, previous: SourceState | undefined): SourceState {
  if (!outcome.ok) return failedState(outcome.id, outcome.type, outcome.at, outcome.error, previous);
  if (outcome.result.signers.length === 0 && previous && previous.type === outcome.type && previous.signers.length > 0) {
    return failedState(outcome.id, outcome.type, outcome.at, 'the list loaded with no usable signer; the previous list is kept', previous);
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
function buildResolver(states: readonly SourceState[]): { resolver: SnapshotResolver; signerCount: number; countries: Record<string, number> } {
  const dcc = new Map<string, Signer[]>();
  const shc = new Map<string, Signer[]>();
  const csca = new Map<string, Signer[]>();
  const divoc = new Map<string, Signer[]>();
  const crls = new Map<string, Uint8Array[]>();
  const distinct: Signer[] = [];
  for (const state of states) {
    for (const signer of state.signers) {
      let added = false;
      switch (state.kind) {
        case 'dcc':
          added = addTo(dcc, signer.kid, signer);
          break;
        case 'shc':
          // NUL cannot occur in a URL or a JWK kid, so the pair key is unambiguous.
          if (signer.iss !== undefined) added = addTo(shc, `${signer.iss}\u0000${signer.kid}`, signer);
          break;
        case 'csca':
          if (signer.country) added = addTo(csca, signer.country.toUpperCase(), signer);
          break;
        case 'divoc':
          if (signer.keyId !== undefined) added = addTo(divoc, signer.keyId, signer);
          break;
        case null:
          break;
      }
      if (added) distinct.push(signer);
    }
    for (const [country, list] of state.crls) {
      const bucket = crls.get(country) ?? [];
      bucket.push(...list);
      crls.set(country, bucket);
    }
  }
  const maps = { dcc: freezeAll(dcc), shc: freezeAll(shc), csca: freezeAll(csca), divoc: freezeAll(divoc), crls: freezeAll(crls) };
  const resolver: SnapshotResolver = Object.freeze({
    dcc: (kid: string) => maps.dcc.get(kid) ?? NO_SIGNERS,
    shc: (iss: string, kid: string) => maps.shc.get(`${iss}\u0000${kid}`) ?? NO_SIGNERS,
    csca: (country: string) => maps.csca.get(country.toUpperCase()) ?? NO_SIGNERS,
    divoc: (id: string) => maps.divoc.get(id) ?? NO_SIGNERS,
    cscaCrls: (country: string) => maps.crls.get(country.toUpperCase()) ?? NO_CRLS,
  });
  return { resolver, signerCount: distinct.length, countries: countCountries(distinct) };
}

function snapshotOf(states: readonly SourceState[], builtAt: Date): TrustSnapshot {
  const frozen = Object.freeze([...states]);
  const { resolver, signerCount, countries } = buildResolver(frozen);
  return Object.freeze({
    resolver,
    sources: Object.freeze(frozen.map((s) => s.status)),
    builtAt: new Date(builtAt.getTime()),
    states: frozen,
    signerCount,
    countries: Object.freeze(countries),
  });
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
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const states = previous.states.map((s) => {
    const o = byId.get(s.id);
    return o ? nextSourceState(o, s) : s;
  });
  const known = new Set(previous.states.map((s) => s.id));
  for (const o of outcomes) if (!known.has(o.id)) states.push(nextSourceState(o, undefined));
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

  /** At least one source has signers in force (GET /readyz). */
  ready(): boolean {
    return this.#snapshot.states.some((s) => s.signers.length > 0);
  }

  /** GET /v1/trust; `at` (the request time) gives each source's age. */
  summary(at: Date = this.#snapshot.builtAt): TrustSummary {
    const snap = this.#snapshot;
    return {
      builtAt: snap.builtAt.toISOString(),
      ready: this.ready(),
      stale: snap.sources.some((s) => s.stale),
      signerCount: snap.signerCount,
      countries: { ...snap.countries },
      sources: snap.sources.map((s) => ({
        ...s,
        countries: { ...s.countries },
        dropped: s.dropped.map((d) => ({ ...d })),
        ageSeconds: s.lastSuccess === null ? null : Math.max(0, Math.floor((at.getTime() - Date.parse(s.lastSuccess)) / 1000)),
      })),
    };
  }
}
