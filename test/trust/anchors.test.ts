// The real anchors shipped in trust-lists/anchors are the ones the research pinned
// (research/trust-list-formats.md §1, §2, §4), and each verifies its real list.
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDeDscList } from '../../src/trust/sources/de-dsc-list.js';
import { calculateJwkThumbprint } from 'jose';
import { VECTORS, vectorsPresent } from './helpers.js';

const ANCHORS = fileURLToPath(new URL('../../trust-lists/anchors/', import.meta.url));
const spkiSha = (pem: string | Buffer): string => createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex');

describe('trust-lists/anchors', () => {
  it('the German prod DSC list key', () => {
    expect(spkiSha(readFileSync(path.join(ANCHORS, 'de-dsc-list.pem')))).toBe('39eccdee899eb6f38edbf30fb0d83ba396580e3712433bf061bf25e70ddc7eab');
  });
  it('the VCI snapshot certificate', () => {
    const cert = new X509Certificate(readFileSync(path.join(ANCHORS, 'vci-snapshot.crt')));
    expect(createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')).toBe('33f79a469f7d4fa3f9440912a373c0dbf2bd67f330dba2b8fa954bb39d0201db');
    expect(cert.validTo).toMatch(/2032/);
  });
  it('the WHO GDHCN DEV signing DID', async () => {
    const did = JSON.parse(readFileSync(path.join(ANCHORS, 'who-gdhcn-dev-signing-did.json'), 'utf8'));
    expect(await calculateJwkThumbprint(did.verificationMethod[0].publicKeyJwk, 'sha256')).toBe('QqL5hqGvb9Tv6zHyyHlvdAqctJrTHCUx_batJ430BZ8');
  });
  it.skipIf(!vectorsPresent('trust-lists/de-dsc-list'))('the shipped German key verifies the real list', async () => {
    const res = await parseDeDscList({
      def: { id: 'de', type: 'de-dsc-list', file: 'x' },
      bytes: readFileSync(path.join(VECTORS, 'trust-lists/de-dsc-list/dsc-list.json')),
      anchor: readFileSync(path.join(ANCHORS, 'de-dsc-list.pem')),
      origin: 'file',
    });
    expect(res.signers).toHaveLength(829);
  });
});
