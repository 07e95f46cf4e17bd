// The shared linked-data-proof module (src/jsonld): detached b64:false JWS for every algorithm
// its users need, and the document-vs-processor split of canonicalisation failures. Signatures
// here are made by jose (FlattenedSign) and node:crypto, independent of the verifier's code path.
import { constants, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { FlattenedSign } from 'jose';
import jsonld from 'jsonld';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VerificationFault } from '../../src/errors.js';
import { canonicalHash, createVerifyData, LdProofError, parseDetachedJws, verifyDetachedJws } from '../../src/jsonld/ld-proof.js';
import { JsonLdRefused, PinnedContexts } from '../../src/jsonld/pinned.js';

const CTX = 'https://example.org/ctx/v1';
const contexts = new PinnedContexts([[CTX, { '@context': { type: '@type', name: 'https://schema.org/name', Thing: 'https://schema.org/Thing' } }]]);
const doc = { '@context': CTX, type: 'Thing', name: 'x' };
const data = new Uint8Array(64).fill(7);

async function joseDetached(alg: string, key: Parameters<FlattenedSign['sign']>[0]): Promise<string> {
  const jws = await new FlattenedSign(data).setProtectedHeader({ alg, b64: false, crit: ['b64'] }).sign(key);
  return `${jws.protected}..${jws.signature}`;
}

afterEach(() => vi.restoreAllMocks());

describe('verifyDetachedJws', () => {
  it.each([
    ['EdDSA', () => generateKeyPairSync('ed25519')],
    ['PS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const)('%s made by jose → VALID; other bytes → INVALID', async (alg, make) => {
    const { privateKey, publicKey } = make();
    const jws = parseDetachedJws(await joseDetached(alg, privateKey));
    expect(await verifyDetachedJws(jws, data, publicKey, { algorithm: alg })).toBe('VALID');
    expect(await verifyDetachedJws(jws, new Uint8Array(64).fill(8), publicKey, { algorithm: alg })).toBe('INVALID');
  });

  it('ES256 with a DER signature (the GDHCN signer) → VALID only when the caller pins der', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', b64: false, crit: ['b64'] })).toString('base64url');
    const der = cryptoSign('sha256', Buffer.concat([Buffer.from(`${header}.`), data]), { key: privateKey, dsaEncoding: 'der' });
    const jws = parseDetachedJws(`${header}..${der.toString('base64url')}`);
    expect(await verifyDetachedJws(jws, data, publicKey, { algorithm: 'ES256', signatureEncoding: 'der' })).toBe('VALID');
    expect(await verifyDetachedJws(jws, data, publicKey, { algorithm: 'ES256' })).toBe('INVALID');
  });

  it('a key that cannot make the algorithm → WRONG_KEY (RSA-1024 for PS256, Ed25519 for ES256)', async () => {
    const jws = parseDetachedJws(await joseDetached('EdDSA', generateKeyPairSync('ed25519').privateKey));
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(await verifyDetachedJws({ ...jws, alg: 'PS256' }, data, small, { algorithm: 'PS256' })).toBe('WRONG_KEY');
    expect(await verifyDetachedJws({ ...jws, alg: 'ES256' }, data, generateKeyPairSync('ed25519').publicKey, { algorithm: 'ES256' })).toBe('WRONG_KEY');
  });

  it('PS256 pins the 32-byte salt: an RSASSA-PSS signature with another salt → INVALID', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = Buffer.from(JSON.stringify({ alg: 'PS256', b64: false, crit: ['b64'] })).toString('base64url');
    const input = Buffer.concat([Buffer.from(`${header}.`), data]);
    const signed = (saltLength: number) => parseDetachedJws(`${header}..${cryptoSign('sha256', input, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }).toString('base64url')}`);
    expect(await verifyDetachedJws(signed(32), data, publicKey, { algorithm: 'PS256' })).toBe('VALID');
    expect(await verifyDetachedJws(signed(20), data, publicKey, { algorithm: 'PS256' })).toBe('INVALID');
    expect(await verifyDetachedJws(signed(0), data, publicKey, { algorithm: 'PS256' })).toBe('INVALID');
  });

  it('the protected header is signed: the same signature under another header → INVALID', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jws = parseDetachedJws(await joseDetached('EdDSA', privateKey));
    const other = Buffer.from(JSON.stringify({ alg: 'EdDSA', b64: false, crit: ['b64'], kid: 'x' })).toString('base64url');
    expect(await verifyDetachedJws({ ...jws, encodedHeader: other }, data, publicKey, { algorithm: 'EdDSA' })).toBe('INVALID');
    expect(await verifyDetachedJws({ ...jws, encodedSignature: jws.encodedSignature.slice(0, -4) }, data, publicKey, { algorithm: 'EdDSA' })).toBe('INVALID');
  });

  it('a critical extension other than b64 → JWS_MALFORMED (RFC 7515 §4.1.11), as jose refused it', async () => {
    const h = Buffer.from(JSON.stringify({ alg: 'EdDSA', b64: false, crit: ['b64', 'exp'], exp: 1 })).toString('base64url');
    expect(() => parseDetachedJws(`${h}..c2ln`)).toThrow(expect.objectContaining({ reason: 'JWS_MALFORMED' }));
    const signed = await new FlattenedSign(data).setProtectedHeader({ alg: 'EdDSA', b64: false, crit: ['b64', 'exp'], exp: 1 }).sign(generateKeyPairSync('ed25519').privateKey, { crit: { exp: true } });
    expect(() => parseDetachedJws(`${signed.protected}..${signed.signature}`)).toThrow(LdProofError);
  });

  it('malformed detached JWS → LdProofError JWS_MALFORMED (attached payload, b64 true, no crit)', () => {
    const h = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    for (const jws of [`${h({ alg: 'EdDSA', b64: false, crit: ['b64'] })}.cGF5.c2ln`, `${h({ alg: 'EdDSA' })}..c2ln`, `${h({ alg: 'EdDSA', b64: false })}..c2ln`, 'x..', 42]) {
      expect(() => parseDetachedJws(jws)).toThrow(LdProofError);
    }
  });
});

describe('PinnedContexts.canonize: the document is refused, the processor faults', () => {
  it('an unpinned context → JsonLdRefused UNPINNED_CONTEXT, no fetch', async () => {
    await expect(contexts.canonize({ ...doc, '@context': 'https://evil.example/x' })).rejects.toMatchObject({ name: 'JsonLdRefused', reason: 'UNPINNED_CONTEXT' });
  });

  it('a term no context defines → JsonLdRefused UNSAFE_DATA (safe mode)', async () => {
    await expect(contexts.canonize({ ...doc, undefinedTerm: 1 })).rejects.toMatchObject({ reason: 'UNSAFE_DATA' });
  });

  it('a malformed @context value → JsonLdRefused MALFORMED', async () => {
    await expect(contexts.canonize({ ...doc, '@context': [CTX, 42] })).rejects.toMatchObject({ reason: 'MALFORMED' });
  });

  it('a processor failure → VerificationFault PROCESSOR_ERROR, not a refusal', async () => {
    vi.spyOn(jsonld, 'canonize').mockRejectedValue(new RangeError('Maximum call stack size exceeded'));
    const err = await contexts.canonize(doc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationFault);
    expect(err).not.toBeInstanceOf(JsonLdRefused);
    expect((err as VerificationFault).reason).toBe('PROCESSOR_ERROR');
  });

  it('createVerifyData = SHA-256(proof options in the suite context) ‖ SHA-256(document without proof)', async () => {
    const proof = { type: 'Thing', name: 'p', jws: 'ignored' };
    const vd = await createVerifyData({ ...doc, proof: { any: 1 } }, proof, { contexts, proofContext: CTX });
    expect(vd.subarray(0, 32).equals(await canonicalHash({ '@context': CTX, type: 'Thing', name: 'p' }, contexts))).toBe(true);
    expect(vd.subarray(32).equals(await canonicalHash(doc, contexts))).toBe(true);
  });
});
