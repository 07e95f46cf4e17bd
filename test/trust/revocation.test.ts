// Revocation end to end: certificates issued with the demo PKI (issueHc1) are REVOKED when
// their UVCI, country+UVCI (with the CWT iss or the entry's co) or signature hash is on a
// dcc-revocation list, or their UVCI / signer kid is on the operator blocklist; a revoked
// certificate still reports every other failing check (contract: after a valid signature).
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPki } from './revocation-fixtures.js';
import { dccAdapter } from '../../src/formats/dcc/index.js';
import { revocationQuery } from '../../src/formats/dcc/revocation.js';
import { decodeHc1 } from '../../src/formats/dcc/index.js';
import { issueHc1 } from '../../scripts/demo/sign-hc1.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { buildSnapshot, type SourceOutcome } from '../../src/trust/store.js';
import { parseDccRevocation } from '../../src/trust/sources/dcc-revocation.js';
import { parseBlocklist } from '../../src/trust/sources/blocklist.js';
import { signerFromCertificate } from '../../src/trust/signer.js';
import type { SourceResult } from '../../src/trust/sources/common.js';
import { Hash16Set } from '../../src/trust/revocation-set.js';
import { verifyStaged } from '../helpers/stages.js';

const AT = new Date('2026-11-25T10:00:00Z');
const IAT = Math.floor(Date.parse('2026-11-01T00:00:00Z') / 1000);
const h16 = (s: string | Uint8Array): string => createHash('sha256').update(s).digest().subarray(0, 16).toString('base64');

describe('DCC revocation', () => {
  let pki: Awaited<ReturnType<typeof demoPki>>;
  beforeAll(async () => {
    pki = await demoPki();
  });

  const issue = (ci: string, opts: { iss?: string; co?: string; rsa?: boolean; exp?: number } = {}) => {
    const dsc = opts.rsa ? pki.rsa : pki.ec;
    return issueHc1(
      { iss: opts.iss ?? 'AT', iat: IAT, exp: opts.exp ?? IAT + 365 * 86400, dcc: vaccination({ dn: 2, sd: 2, dt: '2026-10-01', ci, co: opts.co ?? 'AT' }) },
      { alg: opts.rsa ? 'PS256' : 'ES256', key: dsc.privateKey, kid: dsc.kid },
    );
  };

  async function verifyWith(qr: string, revocation: SourceResult[]) {
    const outcomes: SourceOutcome[] = [
      {
        id: 'dsc',
        type: 'pem',
        at: AT,
        ok: true,
        kind: 'dcc',
        result: { signers: [pki.ec, pki.rsa].map((d) => signerFromCertificate(d.der, { source: 'dsc' })), dropped: [] },
      },
      ...revocation.map((result, i): SourceOutcome => ({ id: `rev${i}`, type: 'dcc-revocation', at: AT, ok: true, kind: 'revocation', result })),
    ];
    const snap = buildSnapshot(outcomes, AT);
    return verifyStaged(dccAdapter, qr, { trust: snap.resolver, at: AT, lang: 'en' });
  }

  const list = (hashType: string, hashes: string[]) =>
    parseDccRevocation({ def: { id: 'rev', type: 'dcc-revocation', file: 'x' }, origin: 'file', bytes: Buffer.from(JSON.stringify({ batches: [{ country: 'AT', kid: 'UNKNOWN_KID', hashType, entries: hashes.map((hash) => ({ hash })) }] })) });

  it('an unlisted certificate passes the revocation check', async () => {
    const res = await verifyWith(issue('URN:UVCI:01:AT:CLEAN#1'), [await list('UCI', [h16('URN:UVCI:01:AT:OTHER#1')])]);
    expect(res.failures).toEqual([]);
    expect(res.checks).toContainEqual({ name: 'revocation', passed: true });
  });

  it('UCI: the hash of the ci string', async () => {
    const ci = 'URN:UVCI:01:AT:REVOKED1#A';
    const res = await verifyWith(issue(ci), [await list('UCI', [h16(ci)])]);
    expect(res.failures.map((f) => f.code)).toEqual(['REVOKED']);
    expect(res.checks).toContainEqual({ name: 'revocation', passed: false, code: 'REVOKED' });
  });

  it('COUNTRYCODEUCI: listed with the CWT iss, and listed with the entry co, both hit', async () => {
    const ci = 'URN:UVCI:01:AT:REVOKED2#B';
    const qr = issue(ci, { iss: 'DE', co: 'AT' });
    expect((await verifyWith(qr, [await list('COUNTRYCODEUCI', [h16('DE' + ci)])])).failures.map((f) => f.code)).toContain('REVOKED');
    expect((await verifyWith(qr, [await list('COUNTRYCODEUCI', [h16('AT' + ci)])])).failures.map((f) => f.code)).toContain('REVOKED');
    expect((await verifyWith(qr, [await list('COUNTRYCODEUCI', [h16('FR' + ci)])])).failures).not.toContainEqual(expect.objectContaining({ code: 'REVOKED' }));
  });

  it('SIGNATURE (ES256): only r is hashed, so a malleated s is still revoked; the hash of r‖s is not the entry', async () => {
    const qr = issue('URN:UVCI:01:AT:SIG#C');
    const { cose } = decodeHc1(qr);
    const r = cose.signature.subarray(0, 32);
    expect((await verifyWith(qr, [await list('SIGNATURE', [h16(r)])])).failures.map((f) => f.code)).toEqual(['REVOKED']);
    expect((await verifyWith(qr, [await list('SIGNATURE', [h16(cose.signature)])])).failures).toEqual([]);
    const q = revocationQuery({ kid: 'k', payload: {}, alg: 'ES256', signature: cose.signature });
    const malleated = Buffer.from(cose.signature);
    malleated.fill(0, 32);
    const q2 = revocationQuery({ kid: 'k', payload: {}, alg: 'ES256', signature: malleated });
    expect(q2.hashes.find((h) => h.type === 'SIGNATURE')!.hash).toEqual(q.hashes.find((h) => h.type === 'SIGNATURE')!.hash);
  });

  it('SIGNATURE (PS256): the whole signature is hashed', async () => {
    const qr = issue('URN:UVCI:01:AT:RSA#D', { rsa: true });
    const { cose } = decodeHc1(qr);
    expect((await verifyWith(qr, [await list('SIGNATURE', [h16(cose.signature)])])).failures.map((f) => f.code)).toEqual(['REVOKED']);
    expect((await verifyWith(qr, [await list('SIGNATURE', [h16(cose.signature.subarray(0, cose.signature.length / 2))])])).failures).toEqual([]);
  });

  it('the operator blocklist: a UVCI, a signer kid, a hash', async () => {
    const block = (json: unknown) => parseBlocklist({ def: { id: 'block', type: 'blocklist', file: 'x' }, origin: 'file', bytes: Buffer.from(JSON.stringify(json)) });
    const ci = 'URN:UVCI:01:AT:BLOCKED#E';
    expect((await verifyWith(issue(ci), [await block({ uvcis: [ci] })])).failures.map((f) => f.code)).toEqual(['REVOKED']);
    const kid = Buffer.from(pki.ec.kid).toString('base64');
    const byKid = await verifyWith(issue('URN:UVCI:01:AT:ANY#F'), [await block({ kids: [kid] })]);
    expect(byKid.failures).toEqual([{ code: 'REVOKED', detail: 'listed by rev0 (KID)' }]);
    const byHash = await verifyWith(issue(ci), [await block({ hashes: [{ type: 'COUNTRYCODEUCI', hash: h16('AT' + ci) }] })]);
    expect(byHash.failures.map((f) => f.code)).toEqual(['REVOKED']);
  });

  it('a revoked and expired certificate reports both', async () => {
    const ci = 'URN:UVCI:01:AT:BOTH#G';
    const res = await verifyWith(issue(ci, { exp: IAT + 86400 }), [await list('UCI', [h16(ci)])]);
    expect(res.failures.map((f) => f.code).sort()).toEqual(['EXPIRED', 'REVOKED']);
  });

  it('a bad hash in a list is dropped and reported; the rest loads', async () => {
    const res = await list('UCI', [h16('a'), 'not base64!', Buffer.alloc(8).toString('base64')]);
    expect(res.revocation!.entryCount).toBe(1);
    expect(res.dropped).toHaveLength(2);
  });

  it('Hash16Set: adds, finds, refuses duplicates, holds all-zero hashes', () => {
    const set = new Hash16Set(1000);
    const hashes = Array.from({ length: 1000 }, (_, i) => createHash('sha256').update(String(i)).digest().subarray(0, 16));
    for (const h of hashes) expect(set.add(h)).toBe(true);
    expect(set.add(hashes[5]!)).toBe(false);
    expect(set.size).toBe(1000);
    for (const h of hashes) expect(set.has(h)).toBe(true);
    expect(set.has(createHash('sha256').update('x').digest())).toBe(false);
    const zero = new Hash16Set(2);
    expect(zero.has(new Uint8Array(16))).toBe(false);
    zero.add(new Uint8Array(16));
    expect(zero.has(new Uint8Array(16))).toBe(true);
  });
});
