// The German national DSC list (research/trust-list-formats.md §1) against the real signed
// files in shared/vectors/trust-lists/de-dsc-list. Each real list is parsed once per file.
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { kidOf, thumbprintOf } from '../../src/trust/signer.js';
import type { SourceResult } from '../../src/trust/sources/common.js';
import { parseDeDscList, verifyDeDscList } from '../../src/trust/sources/de-dsc-list.js';

const VECTORS = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors');
const DE = path.join(VECTORS, 'trust-lists/de-dsc-list');
const present = existsSync(path.join(DE, 'dsc-list.json'));
if (!present) console.warn(`SKIPPED: German DSC list vectors missing at ${DE}`);

const def = { id: 'de-national', type: 'de-dsc-list', file: 'dsc-list.json', anchor: 'key.pem' };
const read = (rel: string): Uint8Array => new Uint8Array(readFileSync(path.join(DE, rel)));
const parse = (bytes: Uint8Array, anchor: Uint8Array): Promise<SourceResult> =>
  parseDeDscList({ def, bytes, anchor, origin: 'file' });

interface Entry {
  kid: string;
  rawData: string;
  country: string;
  thumbprint: string;
  certificateType: string;
}
/** The listed entries, read independently of the parser under test. */
function listedEntries(bytes: Uint8Array): Entry[] {
  const text = Buffer.from(bytes).toString('utf8');
  return (JSON.parse(text.slice(text.indexOf('\n') + 1)) as { certificates: Entry[] }).certificates;
}

/** A list in the German format signed with our own key: what a tampered-but-re-signed list looks like. */
function signedList(entries: unknown[]): { bytes: Uint8Array; anchor: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const payload = Buffer.from(JSON.stringify({ certificates: entries }), 'utf8');
  const sig = sign('sha256', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return {
    bytes: Buffer.concat([Buffer.from(`${sig.toString('base64')}\n`), payload]),
    anchor: Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string),
  };
}

describe.skipIf(!present)('de-dsc-list: the real production list', () => {
  let list: Uint8Array;
  let anchor: Uint8Array;
  let result: SourceResult;
  beforeAll(async () => {
    list = read('dsc-list.json');
    anchor = read('dsc-list-signing-key.pem');
    result = await parse(list, anchor);
  });

  it('loads exactly 829 signers from 77 countries with nothing dropped', () => {
    expect(result.dropped).toEqual([]);
    expect(result.signers).toHaveLength(829);
    expect(new Set(result.signers.map((s) => s.country)).size).toBe(77);
  });

  it('recomputes every kid from the certificate and it equals the listed kid', () => {
    const listed = listedEntries(list);
    const byThumb = new Map(listed.map((e) => [e.thumbprint, e]));
    for (const s of result.signers) {
      const der = s.certificateDer!;
      expect(s.kid).toBe(kidOf(der));
      const entry = byThumb.get(thumbprintOf(der));
      expect(entry?.kid).toBe(s.kid);
      expect(entry?.country).toBe(s.country);
    }
  });

  it('has the per-country counts and key types the research measured', () => {
    const by = (c: string): number => result.signers.filter((s) => s.country === c).length;
    expect([by('DE'), by('FR'), by('NL'), by('ID')]).toEqual([214, 113, 75, 1]);
    const types = { p256: 0, rsa2048: 0, rsa4096: 0 };
    for (const s of result.signers) {
      if (s.keyType === 'EC-P256') types.p256++;
      else if (s.keyType === 'RSA' && s.keyBits === 2048) types.rsa2048++;
      else if (s.keyType === 'RSA' && s.keyBits === 4096) types.rsa4096++;
    }
    expect(types).toEqual({ p256: 791, rsa2048: 35, rsa4096: 3 });
    // anchors-mission.md §2.4: 334 of 829 DSCs carry no EKU extension.
    expect(result.signers.filter((s) => s.eku === undefined)).toHaveLength(334);
  });

  it('reads the same EKU OIDs as an independent parser (node:crypto) for every signer', () => {
    for (const s of result.signers) {
      const node = new X509Certificate(s.certificateDer!).keyUsage; // node names the EKU list keyUsage
      expect(s.eku === undefined ? undefined : [...s.eku]).toEqual(node);
    }
  });

  it('refuses the whole list when one byte of the JSON is flipped', async () => {
    const copy = Uint8Array.from(list);
    const at = copy.indexOf(0x0a) + 5000;
    copy[at] = copy[at]! ^ 0x01;
    await expect(parse(copy, anchor)).rejects.toThrow(/signature does not verify/);
  });

  it('refuses the whole list when one byte of the signature is flipped', async () => {
    const copy = Uint8Array.from(list);
    // 'i' → 'j' keeps the line valid base64, so the refusal is the signature check itself.
    expect(copy[0]).toBe('i'.charCodeAt(0));
    copy[0] = 'j'.charCodeAt(0);
    await expect(parse(copy, anchor)).rejects.toThrow(/signature does not verify/);
  });

  it('refuses the production list under the demo key (keys are pinned per environment)', async () => {
    await expect(parse(list, read('demo/dsc-list-signing-key.pem'))).rejects.toThrow(/signature does not verify/);
  });

  it('refuses the list when the LF stays in the signed bytes or the signature is DER-wrapped', () => {
    const lf = list.indexOf(0x0a);
    const sig = Buffer.from(Buffer.from(list.subarray(0, lf)).toString('latin1'), 'base64');
    // A DER SEQUENCE of r and s (what covpass builds for Java) is not accepted on line 1.
    const der = Buffer.concat([Buffer.from([0x30, 68, 0x02, 32]), sig.subarray(0, 32), Buffer.from([0x02, 32]), sig.subarray(32)]);
    const withDer = Buffer.concat([Buffer.from(`${der.toString('base64')}\n`), list.subarray(lf + 1)]);
    expect(() => verifyDeDscList(withDer, anchor)).toThrow(/64-byte raw/);
    const noLf = Buffer.concat([list.subarray(0, lf), Buffer.from(' '), list.subarray(lf + 1)]);
    expect(() => verifyDeDscList(noLf, anchor)).toThrow(/no signature line/);
  });
});

describe.skipIf(!present)('de-dsc-list: the real demo (acceptance) list', () => {
  it('loads 609 of 610 signers from 81 countries, dropping the RSA-1024 key and saying so', async () => {
    const result = await parse(read('demo/dsc-list.json'), read('demo/dsc-list-signing-key.pem'));
    expect(result.signers).toHaveLength(609);
    expect(new Set(result.signers.map((s) => s.country)).size).toBe(81);
    expect(result.dropped).toHaveLength(1);
    expect(result.dropped[0]).toMatchObject({ code: 'KEY_REJECTED', reason: expect.stringMatching(/1024 bits/) });
    expect(result.dropped[0]?.kid).toBe(listedEntries(read('demo/dsc-list.json'))[476]?.kid);
  });
});

describe.skipIf(!present)('de-dsc-list: entries of a re-signed list are checked one by one', () => {
  let entries: Entry[];
  beforeAll(() => {
    entries = listedEntries(read('dsc-list.json')).slice(0, 6);
  });

  it('drops and reports an entry whose listed kid differs, keeping the others', async () => {
    const wrong = { ...entries[1]!, kid: 'AAAAAAAAAAA=' };
    const { bytes, anchor } = signedList([entries[0], wrong, ...entries.slice(2)]);
    const result = await parse(bytes, anchor);
    expect(result.signers.map((s) => s.kid)).toEqual([entries[0]!.kid, ...entries.slice(2).map((e) => e.kid)]);
    expect(result.dropped).toEqual([
      { kid: 'AAAAAAAAAAA=', code: 'KID_MISMATCH', reason: expect.stringContaining(entries[1]!.kid) },
    ]);
  });

  it('drops a wrong thumbprint, a country that contradicts the subject, bad base64 and a duplicate', async () => {
    const other = entries[0]!.country === 'FR' ? 'DE' : 'FR';
    const { bytes, anchor } = signedList([
      { ...entries[0]!, thumbprint: '00'.repeat(32) },
      { ...entries[1]!, country: other },
      { ...entries[2]!, rawData: `${entries[2]!.rawData}!` },
      entries[3],
      entries[3],
      { kid: 'x' },
    ]);
    const result = await parse(bytes, anchor);
    expect(result.signers.map((s) => s.kid)).toEqual([entries[3]!.kid]);
    expect(result.dropped.map((d) => d.code)).toEqual([
      'THUMBPRINT_MISMATCH',
      'COUNTRY_MISMATCH',
      'ENTRY_INVALID',
      'DUPLICATE',
      'ENTRY_INVALID',
    ]);
  });

  it('refuses a re-signed payload without a certificates array', async () => {
    const { bytes, anchor } = signedList([]);
    const broken = Buffer.from(Buffer.from(bytes).toString('utf8').replace('"certificates"', '"certs"'));
    // The replacement breaks the signature first; a correctly signed wrong shape is refused too.
    await expect(parse(broken, anchor)).rejects.toThrow(/signature/);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = Buffer.from('{"certs":[]}');
    const sig = sign('sha256', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
    await expect(
      parse(Buffer.concat([Buffer.from(`${sig}\n`), payload]), Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string)),
    ).rejects.toThrow(/no certificates array/);
  });

  it('refuses an anchor that is not a P-256 public key', async () => {
    const { bytes } = signedList(entries);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await expect(parse(bytes, Buffer.from(rsa))).rejects.toThrow(/not an EC P-256 key/);
  });
});
