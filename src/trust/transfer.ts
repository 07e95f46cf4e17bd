// A trust snapshot handed from the process that refreshes (the cluster primary) to the processes
// that serve (its workers), so every process of an instance answers from the same snapshot
// (contract "One instance, one trust state"; review round 1 §1.6). The states are sent as they
// are, not re-parsed: a worker installs in milliseconds what took the primary a download and a
// signature check. What cannot cross a process boundary is rebuilt: a signer's KeyObject from its
// SPKI DER, a revocation hash set from its table bytes. Anything else that is not plain data
// (a class instance) is refused when encoding, so a new kind of state fails loudly, in tests,
// instead of arriving as a hollow object.
//
// The wire value is for node:cluster's `advanced` serialization (structured clone: Map, Set,
// Date and typed arrays pass as they are).
import { createPublicKey, KeyObject } from 'node:crypto';
import { Hash16Set, type HashSetTable } from './revocation-set.js';
import { snapshotOf, type RawList, type SourceState, type TrustSnapshot } from './store.js';

const MARK = '__lintasTransfer';

export interface SnapshotWire {
  /** The primary's snapshot id: the rebuilt snapshot must name the same. */
  id: string;
  builtAt: Date;
  states: unknown[];
}

type Marked = { [MARK]: 'key'; der: Uint8Array } | { [MARK]: 'hash16'; table: HashSetTable };

function encode(value: unknown, where: string): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw new Error(`${where}: a ${typeof value} cannot be sent to another process`);
    return value;
  }
  if (value instanceof KeyObject) {
    if (value.type !== 'public') throw new Error(`${where}: only public keys are sent`);
    return { [MARK]: 'key', der: value.export({ type: 'spki', format: 'der' }) } satisfies Marked;
  }
  if (value instanceof Hash16Set) return { [MARK]: 'hash16', table: value.toTransfer() } satisfies Marked;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, encode(v, `${where}.${String(k)}`)]));
  if (value instanceof Set) return new Set([...value].map((v) => encode(v, where)));
  if (Array.isArray(value)) return value.map((v, i) => encode(v, `${where}[${i}]`));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new Error(`${where}: a ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'class'} instance cannot be sent to another process`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = encode(v, `${where}.${k}`);
  return out;
}

function decode(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date) return value;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, decode(v)]));
  if (value instanceof Set) return new Set([...value].map(decode));
  if (Array.isArray(value)) return value.map(decode);
  const marked = value as Partial<Marked>;
  if (marked[MARK] === 'key') return createPublicKey({ key: Buffer.from((marked as { der: Uint8Array }).der), format: 'der', type: 'spki' });
  if (marked[MARK] === 'hash16') return new Hash16Set(0, (marked as { table: HashSetTable }).table);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = decode(v);
  return out;
}

/**
 * A list's bytes stay with the primary: only it writes last good copies, and the snapshot id
 * needs only their hash (a real German list is 4 MB; its 829 signers are what the workers use).
 */
function withoutListBytes<T extends { raw?: RawList }>(value: T): T {
  return value.raw ? { ...value, raw: { ...value.raw, bytes: NO_BYTES, signature: undefined } } : value;
}
const NO_BYTES = new Uint8Array(0);

/** What the primary sends for `snapshot`. Throws when a state holds something that cannot be sent. */
export function encodeSnapshot(snapshot: TrustSnapshot): SnapshotWire {
  return {
    id: snapshot.id,
    builtAt: snapshot.builtAt,
    states: snapshot.states.map((s, i) => {
      const state = withoutListBytes(s);
      return encode(state.held ? { ...state, held: withoutListBytes(state.held) } : state, `states[${i}]`);
    }),
  };
}

/** What a state holds because of its list's content: unchanged while the list's hash is. */
const CONTENT_KEYS = new Set(['signers', 'crls', 'shcCrls', 'revocation']);

/**
 * A state from the wire; when `previous` holds the same list (same source, kind and content
 * hash), its signers, keys and revocation sets are kept instead of being rebuilt: a status change
 * (a refresh that found nothing new, a stale flag) then costs a worker almost nothing.
 */
function decodeState(wire: Record<string, unknown>, previous: SourceState | undefined): SourceState {
  const hash = (wire['raw'] as RawList | undefined)?.sha256;
  const same = previous !== undefined && hash !== undefined && previous.id === wire['id'] && previous.kind === wire['kind'] && previous.raw?.sha256 === hash;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wire)) out[k] = same && CONTENT_KEYS.has(k) ? (previous as unknown as Record<string, unknown>)[k] : decode(v);
  return out as unknown as SourceState;
}

/**
 * The snapshot a worker installs. Throws when the rebuilt snapshot names another id than the
 * primary's: the two would not be the same trust state.
 */
export function decodeSnapshot(wire: SnapshotWire, previous?: TrustSnapshot): TrustSnapshot {
  const before = new Map((previous?.states ?? []).map((s) => [s.id, s]));
  const snapshot = snapshotOf(
    wire.states.map((s) => decodeState(s as Record<string, unknown>, before.get((s as { id: string }).id))),
    new Date(wire.builtAt),
  );
  if (snapshot.id !== wire.id) throw new Error(`the rebuilt trust snapshot is ${snapshot.id}, the primary's is ${wire.id}`);
  return snapshot;
}
