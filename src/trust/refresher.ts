// Keeps the trust store current without an operator (issue 4; security.md §4.5): each source
// is refreshed on its own schedule with jitter, independently of the others; every list that
// is accepted is written to DATA_DIR as that source's last good copy, and at start-up those
// copies are loaded first, so a restart with every source down still verifies. A list that
// fails anything (download, signature, shape, rollback, shrink) leaves the list in force alone.
import { FetchError, fetchList, type FetchOptions } from './fetch.js';
import { readFileList, readInside, readSourcesFile, type SourceEntry } from './load.js';
import { cleanTempFiles, contentHash, readSnapshot, writeSnapshot, type SnapshotRecord } from './snapshots.js';
import { errorText, ListError, type SourceDef, type SourceInput } from './sources/common.js';
import { sourceType } from './sources/index.js';
import { buildSnapshot, type RawList, type SourceOutcome, type SourcePolicy, type TrustSnapshot, TrustStore } from './store.js';
import type { DroppedEntry, SourceStatus } from './types.js';
import type { SourceCode } from './codes.js';

export interface RefresherLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RefresherDefaults {
  /** Refresh period of a url source without `refreshSeconds` (default 6 h). */
  refreshSeconds?: number;
  /** A url source not refreshed for this long is stale (default 24 h: security.md T-6). */
  staleAfterSeconds?: number;
  /** A url source not refreshed for this long stops counting (default 7 days). */
  maxAgeSeconds?: number;
  /** Shrink guard fraction (default 0.5: security.md T-7). */
  shrinkGuard?: number;
  /** ± fraction of each period drawn at random, so verifiers do not hit a source in step (default 0.1). */
  jitter?: number;
  /** First retry after a failed refresh; doubles per failure up to the refresh period (default 60 s). */
  retrySeconds?: number;
}

export interface RefresherOptions {
  /** TRUST_LISTS_DIR (sources.json, anchors, local lists). */
  dir: string;
  /** DATA_DIR: last good copies go to `<dataDir>/trust-snapshots/`. */
  dataDir: string;
  now: () => Date;
  logger?: RefresherLogger;
  fetch?: Omit<FetchOptions, 'etag'>;
  defaults?: RefresherDefaults;
  /** How often staleness and maximum age are re-judged (default 60 s). */
  tickSeconds?: number;
  /** Never write DATA_DIR (the CLI's read-only commands); nor clean its temp files. */
  readOnly?: boolean;
  /**
   * This writer's name in DATA_DIR (main.ts: the host name, stable for a StatefulSet pod): the
   * start-up clean-up removes only this writer's temp files (src/trust/snapshots.ts).
   */
  writer?: string;
  /** Called after every change of the snapshot in force (metrics). */
  onChange?: (snapshot: TrustSnapshot, at: Date) => void;
}

const HOUR = 3600;
const DEFAULTS: Required<RefresherDefaults> = {
  refreshSeconds: 6 * HOUR,
  staleAfterSeconds: 24 * HOUR,
  maxAgeSeconds: 7 * 24 * HOUR,
  shrinkGuard: 0.5,
  jitter: 0.1,
  retrySeconds: 60,
};
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);
/** Largest CRL download accepted (an SHC rid list or a CSCA CRL). */
const CRL_MAX_BYTES = 4 * 1024 * 1024;

/** The stable code of a refusal, for the source status. */
function errorCodeOf(e: unknown): SourceCode {
  if (e instanceof ListError || e instanceof FetchError) return e.code;
  return 'LIST_INVALID';
}

const silent: RefresherLogger = { info: () => {}, warn: () => {} };

export class TrustRefresher {
  readonly store: TrustStore;
  readonly #opts: RefresherOptions;
  readonly #defaults: Required<RefresherDefaults>;
  readonly #entries: readonly SourceEntry[];
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #failures = new Map<string, number>();
  #tick: NodeJS.Timeout | undefined;
  #running = false;

  private constructor(opts: RefresherOptions, entries: readonly SourceEntry[], store: TrustStore) {
    this.#opts = opts;
    this.#defaults = { ...DEFAULTS, ...opts.defaults };
    this.#entries = entries;
    this.store = store;
  }

  /**
   * Reads sources.json, removes temp files a crash left, loads every source's last good copy,
   * then every local file (a file that fails keeps its copy in force). URL sources are not
   * fetched here: `start()` or `refresh()` does that. Throws only when sources.json is unusable.
   */
  static async open(opts: RefresherOptions): Promise<TrustRefresher> {
    const log = opts.logger ?? silent;
    const entries = await readSourcesFile(opts.dir);
    const removed = opts.readOnly ? [] : await cleanTempFiles(opts.dataDir, opts.writer);
    if (removed.length > 0) log.warn({ files: removed.length }, 'removed temp files of an interrupted trust snapshot write');
    const at = opts.now();
    const probe = new TrustRefresher(opts, entries, new TrustStore(buildSnapshot([], at)));
    const initial: SourceOutcome[] = [];
    for (const entry of entries) {
      if (!entry.ok) {
        initial.push({ id: entry.id, type: entry.type, at, ok: false, error: entry.error, code: 'DEFINITION_INVALID' });
        continue;
      }
      const fromCopy = await probe.#fromSnapshot(entry.def, at);
      // Every source holds its place from the start, so /v1/trust lists them in sources.json order.
      if (fromCopy) initial.push(fromCopy);
      else {
        const error = entry.def.url !== undefined ? 'not downloaded yet' : 'not read yet';
        initial.push({ id: entry.def.id, type: entry.def.type, at, ok: false, error, code: 'PENDING', policy: probe.#policy(entry.def) });
      }
    }
    probe.store.swap(buildSnapshot(initial, at));
    for (const entry of entries) if (entry.ok && entry.def.file !== undefined) await probe.#refreshOne(entry.def);
    opts.onChange?.(probe.store.current(), opts.now());
    return probe;
  }

  /** The valid source definitions, in sources.json order. */
  definitions(): SourceDef[] {
    return this.#entries.flatMap((e) => (e.ok ? [e.def] : []));
  }

  #policy(def: SourceDef): SourcePolicy {
    const remote = def.url !== undefined;
    const d = this.#defaults;
    const stale = def.staleAfterSeconds ?? (remote ? d.staleAfterSeconds : undefined);
    const max = def.maxAgeSeconds ?? (remote ? d.maxAgeSeconds : undefined);
    return {
      ...(stale !== undefined ? { staleAfterMs: stale * 1000 } : {}),
      ...(max !== undefined ? { maxAgeMs: max * 1000 } : {}),
      shrinkGuard: def.shrinkGuard ?? d.shrinkGuard,
    };
  }

  /** The last good copy of `def`, re-verified through its parser and the anchor in force now. */
  async #fromSnapshot(def: SourceDef, at: Date): Promise<SourceOutcome | undefined> {
    const log = this.#opts.logger ?? silent;
    const { record, problems } = await readSnapshot(this.#opts.dataDir, def.id);
    for (const p of problems) log.warn({ source: def.id, problem: p }, 'unusable trust snapshot generation');
    if (!record) return undefined;
    if (record.type !== def.type) {
      log.warn({ source: def.id }, 'trust snapshot is of another source type; ignored');
      return undefined;
    }
    const outcome = await this.#parse(def, { bytes: record.bytes, ...(record.signature ? { signature: record.signature } : {}) }, 'snapshot', at, {
      fetchedAt: record.fetchedAt,
      raw: rawOf(record.bytes, record.signature, record.etag),
    });
    if (!outcome.ok) {
      log.warn({ source: def.id, error: outcome.error }, 'trust snapshot no longer verifies; ignored');
      return undefined;
    }
    return outcome;
  }

  async #parse(
    def: SourceDef,
    got: { bytes: Uint8Array; signature?: Uint8Array },
    origin: 'file' | 'url' | 'snapshot',
    at: Date,
    extra: { fetchedAt?: Date; raw: RawList },
  ): Promise<SourceOutcome> {
    const policy = this.#policy(def);
    const type = sourceType(def.type);
    if (!type) return { id: def.id, type: def.type, at, ok: false, error: `unknown source type "${def.type}"`, code: 'DEFINITION_INVALID', policy };
    try {
      const input: SourceInput = { def, bytes: got.bytes, origin: origin === 'file' ? 'file' : 'url', at };
      if (def.anchor !== undefined) input.anchor = await readInside(this.#opts.dir, def.anchor);
      if (got.signature) input.signature = got.signature;
      const unavailable: DroppedEntry[] = [];
      // A last-good copy at start-up, or a read-only CLI run, downloads nothing: the next refresh fetches the CRLs.
      if (def.crl !== undefined) input.crls = await this.#crls(def, unavailable, origin !== 'snapshot' && !this.#opts.readOnly);
      const result = await type.parse(input);
      result.dropped.push(...unavailable);
      return {
        id: def.id,
        type: def.type,
        at,
        ok: true,
        kind: type.kind,
        result,
        origin,
        raw: extra.raw,
        policy,
        ...(extra.fetchedAt ? { fetchedAt: extra.fetchedAt } : {}),
      };
    } catch (e) {
      return { id: def.id, type: def.type, at, ok: false, error: errorText(e), code: errorCodeOf(e), policy };
    }
  }

  /**
   * The CRLs a source names: files inside TRUST_LISTS_DIR (a missing one refuses the source, as
   * any missing file does) or URLs (an SHC issuer's `.well-known/crl/<kid>.json`). A CRL that
   * cannot be downloaded is reported and left out: the keys still load, and certificates they
   * signed show revocation as not applicable rather than the source going dark.
   */
  async #crls(def: SourceDef, unavailable: DroppedEntry[], download: boolean): Promise<{ name: string; bytes: Uint8Array }[]> {
    const names = typeof def.crl === 'string' ? [def.crl] : (def.crl ?? []);
    const out: { name: string; bytes: Uint8Array }[] = [];
    for (const name of names) {
      if (!isUrl(name)) {
        out.push({ name, bytes: await readInside(this.#opts.dir, name) });
        continue;
      }
      if (!download) {
        unavailable.push({ code: 'CRL_UNAVAILABLE', reason: `${name}: not downloaded for a last-good copy or a read-only run` });
        continue;
      }
      try {
        const got = await fetchList(name, { ...this.#opts.fetch, maxBytes: Math.min(this.#opts.fetch?.maxBytes ?? CRL_MAX_BYTES, CRL_MAX_BYTES) });
        if (got.status === 'ok') out.push({ name, bytes: got.bytes });
        else unavailable.push({ code: 'CRL_UNAVAILABLE', reason: `${name}: answered without a body` });
      } catch (e) {
        unavailable.push({ code: 'CRL_UNAVAILABLE', reason: `${name}: ${errorCodeOf(e)}` });
      }
    }
    return out;
  }

  /** One attempt for one source: download or read, verify, guard, apply, persist. */
  async #attempt(def: SourceDef): Promise<SourceOutcome> {
    const at = this.#opts.now();
    const policy = this.#policy(def);
    const type = sourceType(def.type);
    if (!type) return { id: def.id, type: def.type, at, ok: false, error: `unknown source type "${def.type}"`, code: 'DEFINITION_INVALID', policy };
    const missing = type.requires.filter((r) => def[r] === undefined);
    if (missing.length > 0) {
      return { id: def.id, type: def.type, at, ok: false, error: `source type "${def.type}" needs ${missing.map((m) => `"${m}"`).join(', ')}`, code: 'DEFINITION_INVALID', policy };
    }
    try {
      if (def.file !== undefined) {
        const input = await readFileList(this.#opts.dir, { ...def, signature: def.signature !== undefined && isUrl(def.signature) ? undefined : def.signature } as SourceDef);
        return await this.#parse(def, { bytes: input.bytes, ...(input.signature ? { signature: input.signature } : {}) }, 'file', at, {
          raw: rawOf(input.bytes, input.signature),
        });
      }
      const state = this.store.current().states.find((s) => s.id === def.id);
      const etag = state?.status.lastSuccess !== null ? state?.raw?.etag : undefined;
      const fetchOpts: FetchOptions = { ...this.#opts.fetch, ...(def.maxBytes ? { maxBytes: def.maxBytes } : {}) };
      const got = await fetchList(def.url!, { ...fetchOpts, ...(etag ? { etag } : {}) });
      if (got.status === 'not-modified') return { id: def.id, type: def.type, at, ok: 'unchanged', policy };
      let signature: Uint8Array | undefined;
      if (def.signature !== undefined) {
        if (isUrl(def.signature)) {
          const sig = await fetchList(def.signature, { ...fetchOpts, maxBytes: Math.min(fetchOpts.maxBytes ?? 65536, 65536) });
          if (sig.status !== 'ok') throw new ListError('SIGNATURE_MISSING', 'the signature URL answered without a body');
          signature = sig.bytes;
        } else {
          signature = await readInside(this.#opts.dir, def.signature);
        }
      }
      return await this.#parse(def, { bytes: got.bytes, ...(signature ? { signature } : {}) }, 'url', at, {
        raw: rawOf(got.bytes, signature, got.etag),
      });
    } catch (e) {
      return { id: def.id, type: def.type, at, ok: false, error: errorText(e), code: errorCodeOf(e), policy };
    }
  }

  async #refreshOne(def: SourceDef): Promise<void> {
    const log = this.#opts.logger ?? silent;
    const outcome = await this.#attempt(def);
    const before = this.store.current().states.find((s) => s.id === def.id);
    const snap = this.store.update([outcome], outcome.at);
    const state = snap.states.find((s) => s.id === def.id);
    const accepted = outcome.ok === true && state?.raw === outcome.raw;
    if (accepted) {
      this.#failures.delete(def.id);
      log.info({ source: def.id, signers: state!.signers.length, origin: outcome.origin }, 'trust source loaded');
      // A file re-read with the same bytes as the copy in force need not be written again.
      if (outcome.raw && before?.raw?.sha256 !== outcome.raw.sha256) await this.#persist(def, outcome);
    } else if (outcome.ok === 'unchanged') {
      this.#failures.delete(def.id);
    } else {
      this.#failures.set(def.id, (this.#failures.get(def.id) ?? 0) + 1);
      log.warn({ source: def.id, code: state?.status.errorCode, error: state?.status.lastError }, 'trust source refresh refused; the list in force is kept');
    }
    this.#opts.onChange?.(snap, outcome.at);
  }

  async #persist(def: SourceDef, outcome: Extract<SourceOutcome, { ok: true }>): Promise<void> {
    if (this.#opts.readOnly) return;
    const raw = outcome.raw!;
    const record: SnapshotRecord = {
      id: def.id,
      type: def.type,
      fetchedAt: outcome.fetchedAt ?? outcome.at,
      origin: outcome.origin === 'file' ? 'file' : 'url',
      bytes: raw.bytes,
      ...(raw.signature ? { signature: raw.signature } : {}),
      ...(raw.etag ? { etag: raw.etag } : {}),
    };
    try {
      await writeSnapshot(this.#opts.dataDir, record, {}, this.#opts.writer);
    } catch (e) {
      // Disk full or unwritable: the list stays in force in memory (security.md F-9).
      (this.#opts.logger ?? silent).warn({ source: def.id, error: errorText(e) }, 'could not write the trust snapshot');
    }
  }

  /** Refreshes one source, joining an attempt already running for it. */
  #refreshShared(def: SourceDef): Promise<void> {
    const running = this.#inflight.get(def.id);
    if (running) return running;
    const p = this.#refreshOne(def).finally(() => this.#inflight.delete(def.id));
    this.#inflight.set(def.id, p);
    return p;
  }

  /**
   * Forces a refresh of `ids` (default: every valid source) now, each independently; resolves
   * when all attempts finished, with the status of each. Unknown ids are rejected.
   */
  async refresh(ids?: readonly string[]): Promise<SourceStatus[]> {
    const defs = this.definitions();
    const chosen = ids === undefined ? defs : ids.map((id) => {
      const def = defs.find((d) => d.id === id);
      if (!def) throw new Error(`unknown trust source "${id}"`);
      return def;
    });
    await Promise.all(chosen.map((d) => this.#refreshShared(d)));
    const snap = this.store.current();
    return chosen.map((d) => snap.sources.find((s) => s.id === d.id)!);
  }

  /** An operator accepts the list the shrink guard held for `id`; it is written as the last good copy. */
  async acceptHeld(id: string): Promise<SourceStatus> {
    const def = this.definitions().find((d) => d.id === id);
    if (!def) throw new Error(`unknown trust source "${id}"`);
    const held = this.store.held(id);
    if (!held) throw new Error(`source "${id}" has no held list`);
    const at = this.#opts.now();
    const snap = this.store.acceptHeld(id, at);
    await this.#persist(def, { ...held, at });
    this.#opts.onChange?.(snap, at);
    return snap.sources.find((s) => s.id === id)!;
  }

  /** Re-judges staleness and maximum age now (the periodic tick; tests call it directly). */
  tick(): boolean {
    const at = this.#opts.now();
    const changed = this.store.tick(at);
    this.#opts.onChange?.(this.store.current(), at);
    return changed;
  }

  #delayFor(def: SourceDef): number {
    const d = this.#defaults;
    const period = (def.refreshSeconds ?? d.refreshSeconds) * 1000;
    const failures = this.#failures.get(def.id) ?? 0;
    const base = failures === 0 ? period : Math.min(period, d.retrySeconds * 1000 * 2 ** (failures - 1));
    const jittered = base * (1 + d.jitter * (2 * Math.random() - 1));
    return Math.min(MAX_TIMER_MS, Math.max(1000, Math.round(jittered)));
  }

  #schedule(def: SourceDef, delayMs: number): void {
    if (!this.#running) return;
    const timer = setTimeout(() => {
      this.#timers.delete(def.id);
      void this.#refreshShared(def).finally(() => this.#schedule(def, this.#delayFor(def)));
    }, delayMs);
    timer.unref();
    this.#timers.set(def.id, timer);
  }

  /**
   * Starts the schedules: every url source now (with a little jitter), then each at its period;
   * a file source only when it names `refreshSeconds`. Timers are unref'd: they never keep the
   * process alive. Idempotent.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const def of this.definitions()) {
      if (def.url !== undefined) this.#schedule(def, Math.round(Math.random() * 1000 * this.#defaults.jitter));
      else if (def.refreshSeconds !== undefined) this.#schedule(def, this.#delayFor(def));
    }
    this.#tick = setInterval(() => this.tick(), (this.#opts.tickSeconds ?? 60) * 1000);
    this.#tick.unref();
  }

  /** Stops every timer; refreshes already running finish on their own. */
  stop(): void {
    this.#running = false;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = undefined;
  }

  /** Resolves when no refresh is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight.values()]);
  }
}

function rawOf(bytes: Uint8Array, signature?: Uint8Array, etag?: string): RawList {
  return { bytes, ...(signature ? { signature } : {}), ...(etag ? { etag } : {}), sha256: contentHash(bytes, signature) };
}

/** Opens the refresher over TRUST_LISTS_DIR and DATA_DIR (what compose.ts calls). */
export function openTrust(opts: RefresherOptions): Promise<TrustRefresher> {
  return TrustRefresher.open(opts);
}
