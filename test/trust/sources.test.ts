// The other source types, each on real vectors where they exist: EU gateway entries built from
// real German-list DSCs, SMART dev-tools JWKS files, the Australian and Japanese CSCAs and CRLs
// of the ICAO VDS-NC vectors; DIVOC keys are generated (no key file is in the vectors).
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { kidOf } from '../../src/trust/signer.js';
import type { SourceDef } from '../../src/trust/sources/common.js';
import { parseDgcgTrustList } from '../../src/trust/sources/dgcg-trustlist.js';
import { parseDivocKeys } from '../../src/trust/sources/divoc-keys.js';
import { parseIcaoCsca, revokedSerials } from '../../src/trust/sources/icao-csca.js';
import { SOURCE_TYPES, sourceType } from '../../src/trust/sources/index.js';
import { parseJwks } from '../../src/trust/sources/jwks.js';
import { calculateJwkThumbprint } from 'jose';
import { parsePemBundle } from '../../src/trust/sources/pem.js';

const VECTORS = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors');
const DE_LIST = path.join(VECTORS, 'trust-lists/de-dsc-list/dsc-list.json');
const SHC = path.join(VECTORS, 'smart-health-cards/dev-tools-testdata/testdata');
const ICAO = path.join(VECTORS, 'icao-vds-nc/apo-android');
const haveDe = existsSync(DE_LIST);
const haveShc = existsSync(path.join(SHC, 'valid_keys.json'));
const haveIcao = existsSync(path.join(ICAO, 'csca-AU.der.b64'));
for (const [ok, where] of [
  [haveDe, DE_LIST],
  [haveShc, SHC],
  [haveIcao, ICAO],
] as const) {
  if (!ok) console.warn(`SKIPPED: trust source vectors missing at ${where}`);
}

const def = (type: string, extra: Partial<SourceDef> = {}): SourceDef => ({ id: `t-${type}`, type, file: 'x', ...extra });
const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

interface Entry {
  kid: string;
  rawData: string;
  country: string;
  thumbprint: string;
  certificateType: string;
  timestamp: string;
}
function deEntries(n: number): Entry[] {
  const text = readFileSync(DE_LIST, 'utf8');
  return (JSON.parse(text.slice(text.indexOf('\n') + 1)) as { certificates: Entry[] }).certificates.slice(0, n);
}
const pemOf = (b64: string, label = 'CERTIFICATE'): string =>
  `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

describe('source-type table', () => {
  it('names every contract type plus the revocation types; gdhcn-did and vci-snapshot refuse a list without their anchor', async () => {
    expect(Object.keys(SOURCE_TYPES).sort()).toEqual(
      ['blocklist', 'dcc-revocation', 'de-dsc-list', 'dgcg-trustlist', 'divoc-keys', 'gdhcn-did', 'icao-csca', 'jwks', 'pem', 'vci-snapshot'].sort(),
    );
    for (const t of ['gdhcn-did', 'vci-snapshot']) {
      await expect(sourceType(t)!.parse({ def: def(t), bytes: utf8('{}'), origin: 'file' })).rejects.toMatchObject({ code: 'ANCHOR_INVALID' });
    }
    expect(sourceType('toString')).toBeUndefined();
    expect(sourceType('nope')).toBeUndefined();
  });
});

describe.skipIf(!haveDe)('dgcg-trustlist (EU gateway JSON array)', () => {
  let entries: Entry[];
  beforeAll(() => {
    entries = deEntries(5);
  });

  it('loads DSC entries, skips other certificate types, drops a wrong kid and a wrong thumbprint', async () => {
    const list = [
      entries[0],
      { ...entries[1]!, certificateType: 'CSCA' },
      { ...entries[2]!, kid: 'AAAAAAAAAAA=' },
      { ...entries[3]!, thumbprint: entries[4]!.thumbprint },
      entries[4],
    ];
    const r = await parseDgcgTrustList({ def: def('dgcg-trustlist'), bytes: utf8(JSON.stringify(list)), origin: 'file' });
    expect(r.signers.map((s) => s.kid)).toEqual([entries[0]!.kid, entries[4]!.kid]);
    expect(r.signers.map((s) => s.country)).toEqual([entries[0]!.country, entries[4]!.country]);
    expect(r.signers.every((s) => s.source === 't-dgcg-trustlist')).toBe(true);
    expect(r.dropped.map((d) => [d.kid, d.code])).toEqual([
      // A DSC listed as a CSCA is not a CA: reported, and no CSCA of that country exists.
      [entries[1]!.kid, 'NOT_CA'],
      ['AAAAAAAAAAA=', 'KID_MISMATCH'],
      [entries[3]!.kid, 'THUMBPRINT_MISMATCH'],
    ]);
  });

  it('refuses a whole file that is not a JSON array, and a list from a URL without an anchor', async () => {
    const parse = (text: string, origin: 'file' | 'url' = 'file') =>
      parseDgcgTrustList({ def: def('dgcg-trustlist'), bytes: utf8(text), origin });
    await expect(parse('{"certificates":[]}')).rejects.toThrow(/not a JSON array/);
    await expect(parse('[{"kid":')).rejects.toThrow(/not JSON/);
    await expect(parse('[]', 'url')).rejects.toMatchObject({ code: 'ANCHOR_INVALID' });
  });
});

describe.skipIf(!haveDe)('pem (bundle of DSCs)', () => {
  it('takes the country from each subject C= and reports blocks that are not certificates', async () => {
    const entries = deEntries(3);
    const text = [pemOf(entries[0]!.rawData), pemOf('AAAA', 'PRIVATE KEY'), pemOf(entries[1]!.rawData), pemOf(entries[2]!.rawData)].join('');
    const r = await parsePemBundle({ def: def('pem'), bytes: utf8(text), origin: 'file' });
    expect(r.signers.map((s) => [s.kid, s.country])).toEqual(entries.map((e) => [e.kid, e.country]));
    expect(r.dropped).toEqual([{ code: 'NOT_A_CERTIFICATE', reason: expect.stringContaining('PRIVATE KEY') }]);
  });

  it('refuses a file with no certificate at all', async () => {
    await expect(parsePemBundle({ def: def('pem'), bytes: utf8('hello'), origin: 'file' })).rejects.toThrow(/no CERTIFICATE/);
  });
});

describe.skipIf(!haveShc)('jwks (one SMART Health Card issuer)', () => {
  const iss = 'https://spec.smarthealth.cards/examples/issuer';
  const parse = (file: string) =>
    parseJwks({ def: def('jwks', { iss }), bytes: new Uint8Array(readFileSync(path.join(SHC, file))), origin: 'file' });

  it('loads the three valid dev-tools keys under their iss and thumbprint kids', async () => {
    const r = await parse('valid_keys.json');
    expect(r.dropped).toEqual([]);
    expect(r.signers).toHaveLength(3);
    for (const s of r.signers) {
      expect(s).toMatchObject({ iss, keyType: 'EC-P256', source: 't-jwks' });
      expect(s.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
  });

  it.each([
    ['wrong_kid_key.json', 'KID_MISMATCH'],
    ['wrong_use_key.json', 'KEY_REJECTED'],
    ['wrong_alg_key.json', 'KEY_REJECTED'],
    ['wrong_kty_key.json', 'KEY_REJECTED'],
    ['wrong_curve_key.json', 'KEY_REJECTED'],
    ['private_key.json', 'KEY_REJECTED'],
  ])('drops the key of dev-tools %s (%s)', async (file, code) => {
    const r = await parse(file);
    expect(r.signers).toEqual([]);
    expect(r.dropped).toEqual([expect.objectContaining({ code })]);
  });

  it('computes RFC 7638 thumbprints equal to the dev-tools kids', async () => {
    const keys = (JSON.parse(readFileSync(path.join(SHC, 'valid_keys.json'), 'utf8')) as {
      keys: { kid: string; crv: string; kty: string; x: string; y: string }[];
    }).keys;
    for (const k of keys) expect(await calculateJwkThumbprint(k, 'sha256')).toBe(k.kid);
  });

  it('refuses a file that is not a JWKS', async () => {
    const bad = parseJwks({ def: def('jwks', { iss }), bytes: utf8('{"keys":[]}'), origin: 'file' });
    await expect(bad).rejects.toThrow(/not a JWKS/);
  });
});

describe.skipIf(!haveIcao)('icao-csca (CSCAs with CRLs)', () => {
  const b64 = (name: string): string => readFileSync(path.join(ICAO, name), 'utf8').replace(/\s+/g, '');
  const der = (name: string): Uint8Array => Buffer.from(b64(name), 'base64');

  it('loads the AU and JP CSCAs and keeps only CRLs their own CSCA signed', async () => {
    const bundle = pemOf(b64('csca-AU.der.b64')) + pemOf(b64('csca-JP.der.b64'));
    const r = await parseIcaoCsca({
      def: def('icao-csca'),
      bytes: utf8(bundle),
      origin: 'file',
      crls: [
        { name: 'au.crl', bytes: der('crl-AU-without-serial.der.b64') },
        { name: 'jp.pem', bytes: utf8(pemOf(b64('crl-JP.der.b64'), 'X509 CRL')) },
        // Issued by the AU TEST CSCA, which is not in this bundle.
        { name: 'proto.crl', bytes: der('crl-AU-proto.der.b64') },
        { name: 'junk.crl', bytes: utf8('junk') },
      ],
    });
    expect(r.signers.map((s) => [s.country, s.keyType])).toEqual([
      ['AU', 'RSA'],
      ['JP', 'EC-P384'],
    ]);
    // Filed under the kid of the CSCA that signed each CRL, not merely its country.
    const [au, jp] = r.signers;
    expect([...(r.crls?.keys() ?? [])].sort()).toEqual([au!.kid, jp!.kid].sort());
    expect(Buffer.from(r.crls!.get(au!.kid)![0]!).equals(der('crl-AU-without-serial.der.b64'))).toBe(true);
    expect(r.dropped.map((d) => d.code)).toEqual(['CRL_UNVERIFIED', 'CRL_INVALID']);
    // The source's own note: this AU CRL lists no serials.
    expect(revokedSerials(r.crls!.get(au!.kid)![0]!).size).toBe(0);
  });

  // A real DSC is the non-CA certificate here, so this one also needs the German list.
  it.skipIf(!haveDe)('drops a certificate that is not a CA', async () => {
    const dsc = deEntries(1)[0]!;
    const r = await parseIcaoCsca({ def: def('icao-csca'), bytes: utf8(pemOf(dsc.rawData) + pemOf(b64('csca-AU.der.b64'))), origin: 'file' });
    expect(r.signers.map((s) => s.country)).toEqual(['AU']);
    expect(r.dropped).toEqual([expect.objectContaining({ kid: dsc.kid, code: 'NOT_CA' })]);
  });
});

describe('divoc-keys', () => {
  const pub = (type: 'ed25519' | 'rsa' | 'ec'): string => {
    const pair =
      type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('ed25519');
    return pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  };

  it('loads Ed25519 and RSA issuer keys by id and drops other key types, private keys and bad entries', async () => {
    const ed = pub('ed25519');
    const file = {
      issuers: [
        { id: 'did:indonesia', country: 'ID', publicKeyPem: ed },
        { id: 'did:india', country: 'in', publicKeyPem: pub('rsa') },
        { id: 'did:ec', country: 'XX', publicKeyPem: pub('ec') },
        {
          id: 'did:private',
          country: 'XX',
          publicKeyPem: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
        },
        { id: 'did:nokey', country: 'XX' },
      ],
    };
    const r = await parseDivocKeys({ def: def('divoc-keys'), bytes: utf8(JSON.stringify(file)), origin: 'file' });
    expect(r.signers.map((s) => [s.keyId, s.country, s.keyType])).toEqual([
      ['did:indonesia', 'ID', 'Ed25519'],
      ['did:india', 'IN', 'RSA'],
    ]);
    expect(r.signers[0]!.kid).toBe(kidOf(r.signers[0]!.publicKey.export({ type: 'spki', format: 'der' })));
    expect(r.dropped.map((d) => d.code)).toEqual(['KEY_REJECTED', 'KEY_REJECTED', 'ENTRY_INVALID']);
  });

  it('refuses a file without an issuers array', async () => {
    await expect(parseDivocKeys({ def: def('divoc-keys'), bytes: utf8('{"keys":[]}'), origin: 'file' })).rejects.toThrow(/no issuers/);
  });
});
