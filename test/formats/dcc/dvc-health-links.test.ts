// Verifiable Health Links beside an HC1 certificate: hcert −260 sub-claim 5 in each of the four
// shapes it has had (formats.md "The WHO network today": `[{u:"shlink:/…"}]` 2024, `["shlink:/…"]`
// 2025-02, `["vhlink:/…"]` 2025-08, `"vhlink:/…"` 2026-05), with an EU DCC, a WHO DDCC:VS and a
// WHO DVC. Contract: the certificate verifies as before and lists the links in
// `certificate.healthLinks`; nothing is fetched. Certificates are signed with the independent
// encoder of ./dvc-sign.ts (cbor-x, node:crypto, zlib, npm base45).
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { VerificationError } from '../../../src/errors.js';
import { ddccVaccination } from '../../../scripts/demo/formats.js';
import { vaccination } from '../../../scripts/demo/samples.js';
import { dccAdapter } from '../../../src/formats/dcc/index.js';
import { MAX_HEALTH_LINK_CHARS, MAX_HEALTH_LINKS } from '../../../src/formats/dcc/health-links.js';
import { signerFromCertificate } from '../../../src/trust/signer.js';
import type { TrustResolver } from '../../../src/trust/types.js';
import { testPki, type TestPki } from '../../helpers/service.js';
import { resolverOf, verifyStaged, type StagedResult } from '../../helpers/stages.js';
import { issue, seconds, yellowFever } from './dvc-sign.js';

const AT = new Date('2026-11-25T10:00:00Z');
// base64url of {"url":"https://shl.example/m/abc","flag":"U","key":"…"} shapes; content is not read.
const SHLINK = 'shlink:/eyJ1cmwiOiJodHRwczovL3NobC5leGFtcGxlL20vYWJjIiwiZmxhZyI6IlUiLCJrZXkiOiJyeFRnWWxPYUtKUEZ0Y0VkMHFjY2VOOHdFVTRwN1NXNyJ9';
const VHLINK = 'vhlink:/eyJ1cmwiOiJodHRwczovL3ZobC5leGFtcGxlL20vZGVmIiwiZmxhZyI6IlUifQ';

let pki: TestPki;
let trust: TrustResolver;
beforeAll(async () => {
  pki = await testPki();
  const signer = signerFromCertificate(pki.ec.der, { source: 'unit' });
  trust = resolverOf({ dcc: (kid) => (kid === signer.kid ? [signer] : []) });
});
afterEach(() => vi.unstubAllGlobals());

const CERTIFICATES: [string, 'EU_DCC' | 'WHO_DDCC' | 'WHO_DVC', Record<number, unknown>][] = [
  ['EU DCC', 'EU_DCC', { 1: vaccination({ dn: 2, sd: 2, dt: '2026-09-01' }) }],
  ['WHO DDCC:VS', 'WHO_DDCC', { 3: ddccVaccination({ dose: 2, totalDoses: 2, date: '2026-09-01' }) }],
  ['WHO DVC', 'WHO_DVC', { [-6]: yellowFever() }],
];
const SHAPES: [string, unknown, string[]][] = [
  ['[{ u: "shlink:/…" }] (2024)', [{ u: SHLINK }], [SHLINK]],
  ['["shlink:/…"] (2025-02)', [SHLINK], [SHLINK]],
  ['["vhlink:/…"] (2025-08)', [VHLINK], [VHLINK]],
  ['"vhlink:/…" (2026-05)', VHLINK, [VHLINK]],
];

const signed = (hcert: Record<number, unknown>): string =>
  issue({ key: pki.ec.privateKey, kid: pki.ec.kid, iss: 'XA', iat: seconds('2026-11-01T08:00:00Z'), exp: seconds('2027-11-01T08:00:00Z'), hcert });
const run = (qr: string): Promise<StagedResult> => verifyStaged(dccAdapter, qr, { trust, at: AT, lang: 'en' });
const codes = (r: StagedResult) => r.failures.map((f) => f.code);
async function stopCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'NO_STOP';
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
}

describe('HC1 with health links (hcert −260/5)', () => {
  for (const [label, format, content] of CERTIFICATES) {
    it.each(SHAPES)(`${label} + %s → VALID, the links listed in certificate.healthLinks, nothing fetched`, async (_shape, links, listedLinks) => {
      const fetchSpy = vi.fn(() => Promise.reject(new Error('a health link must never be fetched')));
      vi.stubGlobal('fetch', fetchSpy);
      const r = await run(signed({ ...content, 5: links }));
      expect(r.format).toBe(format);
      expect(codes(r)).toEqual([]);
      expect(r.display?.healthLinks).toEqual(listedLinks);
      expect(r.certificate?.healthLinks).toEqual(listedLinks);
      expect(fetchSpy).not.toHaveBeenCalled();
    });
  }

  it('without sub-claim 5 there is no healthLinks field at all', async () => {
    const r = await run(signed({ [-6]: yellowFever() }));
    expect(r.display).not.toHaveProperty('healthLinks');
  });

  it('several links of mixed shapes, and one behind a viewer URL, are listed in order', async () => {
    const viewer = `https://viewer.example/#${SHLINK}`;
    const r = await run(signed({ 1: vaccination({ dn: 2, sd: 2, dt: '2026-09-01' }), 5: [{ u: SHLINK, l: 'label' }, VHLINK, viewer] }));
    expect(codes(r)).toEqual([]);
    expect(r.display?.healthLinks).toEqual([SHLINK, VHLINK, viewer]);
  });

  it.each<[string, unknown]>([
    ['an http link', ['https://example.org/record']],
    ['a shlink with characters outside base64url', ['shlink:/abc def']],
    ['a number', [42]],
    ['an object without u', [{ url: SHLINK }]],
    ['an empty list', []],
    ['a viewer on plain http', [`http://viewer.example/#${SHLINK}`]],
  ])('%s → SCHEMA_INVALID (the certificate is not listed)', async (_label, links) => {
    const r = await run(signed({ 1: vaccination({ dn: 2, sd: 2, dt: '2026-09-01' }), 5: links }));
    expect(codes(r)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it(`more than ${MAX_HEALTH_LINKS} links, or one over ${MAX_HEALTH_LINK_CHARS} characters → PAYLOAD_TOO_LARGE before the signature`, async () => {
    const many = Array.from({ length: MAX_HEALTH_LINKS + 1 }, () => VHLINK);
    expect(await stopCode(run(signed({ [-6]: yellowFever(), 5: many })))).toBe('PAYLOAD_TOO_LARGE');
    const long = `vhlink:/${'A'.repeat(MAX_HEALTH_LINK_CHARS)}`;
    expect(await stopCode(run(signed({ [-6]: yellowFever(), 5: long })))).toBe('PAYLOAD_TOO_LARGE');
    expect(await stopCode(run(signed({ [-6]: yellowFever(), 5: [{ u: long }] })))).toBe('PAYLOAD_TOO_LARGE');
    // Exactly at the bounds it still verifies.
    const atBound = await run(signed({ [-6]: yellowFever(), 5: Array.from({ length: MAX_HEALTH_LINKS }, () => VHLINK) }));
    expect(codes(atBound)).toEqual([]);
  });

  it('a health link alone, with no certificate beside it, is no health certificate → CWT_INVALID', async () => {
    expect(await stopCode(run(signed({ 5: [SHLINK] })))).toBe('CWT_INVALID');
  });
});
