// Snapshots and the store: lookups, last-good fallback per source, never emptying, the
// summary GET /v1/trust shows. Synthetic signers: the store never parses certificates.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SourceResult } from '../../src/trust/sources/common.js';
import {
  buildSnapshot,
  emptySnapshot,
  type SourceOutcome,
  TrustStore,
  updateSnapshot,
} from '../../src/trust/store.js';
import type { Signer, SignerKind } from '../../src/trust/types.js';

const T0 = new Date('2026-11-25T10:00:00Z');
const T1 = new Date('2026-11-25T16:00:00Z');
const T2 = new Date('2026-11-25T22:00:00Z');

const KEY: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const KEY2: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

function signer(kid: string, country: string, source: string, extra: Partial<Signer> = {}): Signer {
  return { kid, country, source, publicKey: KEY, keyType: 'EC-P256', certificateDer: Buffer.from(`${source}:${kid}`), ...extra };
}
function ok(id: string, kind: SignerKind, signers: Signer[], at = T0, extra: Partial<SourceResult> = {}): SourceOutcome {
  return { id, type: `type-${kind}`, at, ok: true, kind, result: { signers, dropped: [], ...extra } };
}
function fail(id: string, kind: SignerKind, error: string, at = T1): SourceOutcome {
  return { id, type: `type-${kind}`, at, ok: false, error };
}

describe('buildSnapshot: resolver lookups', () => {
  const snap = buildSnapshot(
    [
      ok('a', 'dcc', [signer('K1', 'DE', 'a'), signer('K2', 'FR', 'a')]),
      ok('b', 'dcc', [signer('K1', 'AT', 'b')]),
      ok('shc', 'shc', [signer('J1', '', 'shc', { iss: 'https://iss.example', certificateDer: undefined })]),
      ok('icao', 'csca', [signer('C1', 'AU', 'icao')], T0, { crls: new Map([['C1', [Uint8Array.from([1, 2])]]]) }),
      ok('divoc', 'divoc', [signer('D1', 'ID', 'divoc', { keyId: 'did:indonesia', certificateDer: undefined })]),
    ],
    T0,
  );

  it('answers each lookup from its own map; a shared kid returns every candidate', () => {
    expect(snap.resolver.dcc('K1').map((s) => s.country)).toEqual(['DE', 'AT']);
    expect(snap.resolver.dcc('K2')).toHaveLength(1);
    expect(snap.resolver.dcc('nope')).toEqual([]);
    expect(snap.resolver.dcc('J1')).toEqual([]);
    expect(snap.resolver.shc('https://iss.example', 'J1')).toHaveLength(1);
    expect(snap.resolver.shc('https://iss.example/', 'J1')).toEqual([]);
    expect(snap.resolver.csca('au').map((s) => s.kid)).toEqual(['C1']);
    // A CRL (here unparseable bytes) filed under its CSCA: no usable data; another CSCA has none.
    const c1 = snap.resolver.csca('AU')[0]!;
    expect(snap.resolver.revocation({ kind: 'x509-crl', issuer: c1, serialNumber: '01' }, T0)).toEqual({ data: false });
    expect(snap.resolver.revocation({ kind: 'none' }, T0)).toEqual({ data: false });
    expect(snap.resolver.divoc('did:indonesia').map((s) => s.kid)).toEqual(['D1']);
  });

  it('counts distinct signers and countries, with per-source status', () => {
    expect(snap.signerCount).toBe(6);
    expect(snap.countries).toEqual({ DE: 1, FR: 1, AT: 1, unknown: 1, AU: 1, ID: 1 });
    expect(snap.sources.map((s) => [s.id, s.signerCount, s.lastSuccess, s.stale])).toEqual([
      ['a', 2, T0.toISOString(), false],
      ['b', 1, T0.toISOString(), false],
      ['shc', 1, T0.toISOString(), false],
      ['icao', 1, T0.toISOString(), false],
      ['divoc', 1, T0.toISOString(), false],
    ]);
  });

  it('keeps one copy of a certificate two sources list', () => {
    const same = Buffer.from('same-der');
    const s = buildSnapshot(
      [ok('a', 'dcc', [signer('K', 'DE', 'a', { certificateDer: same })]), ok('b', 'dcc', [signer('K', 'DE', 'b', { certificateDer: same })])],
      T0,
    );
    expect(s.resolver.dcc('K').map((x) => x.source)).toEqual(['a']);
    expect(s.signerCount).toBe(1);
    expect(s.sources.map((x) => x.signerCount)).toEqual([1, 1]);
  });

  it('is immutable: lookup results and statuses cannot be changed by a caller', () => {
    expect(Object.isFrozen(snap.resolver.dcc('K1'))).toBe(true);
    expect(Object.isFrozen(snap.sources[0])).toBe(true);
    expect(Object.isFrozen(snap.resolver.dcc('K1')[0])).toBe(true);
  });
});

describe('last good list per source', () => {
  const first = buildSnapshot([ok('a', 'dcc', [signer('K1', 'DE', 'a')]), ok('b', 'dcc', [signer('K2', 'FR', 'b')])], T0);

  it('a failing source keeps its previous signers, says so, and leaves the other source updated', () => {
    const next = buildSnapshot([fail('a', 'dcc', 'signature does not verify'), ok('b', 'dcc', [signer('K3', 'FR', 'b')], T1)], T1, first);
    expect(next.resolver.dcc('K1')).toHaveLength(1);
    expect(next.resolver.dcc('K2')).toEqual([]);
    expect(next.resolver.dcc('K3')).toHaveLength(1);
    const a = next.sources[0]!;
    expect(a).toMatchObject({
      id: 'a',
      lastSuccess: T0.toISOString(),
      lastAttempt: T1.toISOString(),
      lastError: 'signature does not verify',
      stale: true,
      signerCount: 1,
    });
    expect(next.sources[1]).toMatchObject({ id: 'b', stale: false, lastError: null, lastSuccess: T1.toISOString() });
  });

  it('a later success clears the staleness', () => {
    const failed = buildSnapshot([fail('a', 'dcc', 'x'), ok('b', 'dcc', [signer('K2', 'FR', 'b')])], T1, first);
    const healed = buildSnapshot([ok('a', 'dcc', [signer('K9', 'DE', 'a')], T2), ok('b', 'dcc', [signer('K2', 'FR', 'b')], T2)], T2, failed);
    expect(healed.sources[0]).toMatchObject({ stale: false, lastError: null, lastSuccess: T2.toISOString() });
    expect(healed.resolver.dcc('K1')).toEqual([]);
    expect(healed.resolver.dcc('K9')).toHaveLength(1);
  });

  it('a list that loads empty does not replace a list with signers (T-7)', () => {
    const next = buildSnapshot([ok('a', 'dcc', [], T1), ok('b', 'dcc', [signer('K2', 'FR', 'b')], T1)], T1, first);
    expect(next.resolver.dcc('K1')).toHaveLength(1);
    expect(next.sources[0]).toMatchObject({ stale: true, lastError: expect.stringMatching(/no usable signer/) });
  });

  it('a source that never loaded has no signers and no lastSuccess, and is not called stale', () => {
    const s = buildSnapshot([fail('a', 'dcc', 'boom', T0)], T0);
    expect(s.sources[0]).toMatchObject({ lastSuccess: null, lastAttempt: T0.toISOString(), lastError: 'boom', stale: false, signerCount: 0 });
  });

  it('a source whose type changed does not inherit the old list', () => {
    const changed: SourceOutcome = { id: 'a', type: 'other-type', at: T1, ok: false, error: 'x' };
    const s = buildSnapshot([changed], T1, first);
    expect(s.resolver.dcc('K1')).toEqual([]);
  });

  it('updateSnapshot replaces only the named sources', () => {
    const next = updateSnapshot(first, [ok('b', 'dcc', [signer('K5', 'FR', 'b', { publicKey: KEY2 })], T1)], T1);
    expect(next.states.map((s) => s.id)).toEqual(['a', 'b']);
    expect(next.states[0]).toBe(first.states[0]);
    expect(next.resolver.dcc('K1')).toHaveLength(1);
    expect(next.resolver.dcc('K5')).toHaveLength(1);
    expect(next.resolver.dcc('K2')).toEqual([]);
    const added = updateSnapshot(next, [ok('c', 'dcc', [signer('K6', 'NL', 'c')], T1)], T1);
    expect(added.states.map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('TrustStore', () => {
  it('is not ready while empty or when no source has signers', () => {
    expect(new TrustStore(emptySnapshot(T0)).ready()).toBe(false);
    expect(new TrustStore(buildSnapshot([fail('a', 'dcc', 'x', T0), ok('b', 'dcc', [], T0)], T0)).ready()).toBe(false);
  });

  it('swaps snapshots in one step; a reader holding the old snapshot keeps its view', () => {
    const s0 = buildSnapshot([ok('a', 'dcc', [signer('K1', 'DE', 'a')])], T0);
    const store = new TrustStore(s0);
    const held = store.current();
    store.swap(buildSnapshot([ok('a', 'dcc', [signer('K2', 'DE', 'a')], T1)], T1, s0));
    expect(held.resolver.dcc('K1')).toHaveLength(1);
    expect(store.current().resolver.dcc('K1')).toEqual([]);
    expect(store.current().resolver.dcc('K2')).toHaveLength(1);
    expect(store.ready()).toBe(true);
  });

  it('update applies a refresh of one source on top of the snapshot in force', () => {
    const store = new TrustStore(buildSnapshot([ok('a', 'dcc', [signer('K1', 'DE', 'a')]), ok('b', 'dcc', [signer('K2', 'FR', 'b')])], T0));
    store.update([fail('a', 'dcc', 'timeout')], T1);
    store.update([ok('b', 'dcc', [signer('K3', 'FR', 'b')], T2)], T2);
    const snap = store.current();
    expect(snap.resolver.dcc('K1')).toHaveLength(1);
    expect(snap.resolver.dcc('K3')).toHaveLength(1);
    expect(snap.sources.map((s) => s.stale)).toEqual([true, false]);
  });

  it('summary shows counts per country, staleness, ages and dropped entries (capped at 100 listed)', () => {
    const dropped = Array.from({ length: 150 }, (_, i) => ({ kid: `k${i}`, code: 'KID_MISMATCH' as const, reason: 'listed kid differs' }));
    const s0 = buildSnapshot([ok('a', 'dcc', [signer('K1', 'DE', 'a'), signer('K2', 'DE', 'a')], T0, { dropped }), ok('b', 'dcc', [signer('K3', 'FR', 'b')])], T0);
    const store = new TrustStore(buildSnapshot([ok('a', 'dcc', [signer('K1', 'DE', 'a'), signer('K2', 'DE', 'a')], T0, { dropped }), fail('b', 'dcc', 'HTTP 503', T1)], T1, s0));
    const summary = store.summary(T2);
    expect(summary).toMatchObject({ builtAt: T1.toISOString(), ready: true, stale: true, signerCount: 3, countries: { DE: 2, FR: 1 } });
    expect(summary.sources[0]).toMatchObject({ id: 'a', countries: { DE: 2 }, droppedTotal: 150, ageSeconds: 12 * 3600 });
    expect(summary.sources[0]!.dropped).toHaveLength(100);
    expect(summary.sources[1]).toMatchObject({ id: 'b', stale: true, lastError: 'HTTP 503', ageSeconds: 12 * 3600 });
    // The summary is a copy: editing it does not touch the store.
    summary.sources[0]!.countries.DE = 99;
    expect(store.summary(T2).sources[0]!.countries.DE).toBe(2);
  });
});
