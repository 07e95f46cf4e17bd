// npm run demo:keys — makes the demo PKI (a CSCA and DSCs of the made-up country XA), writes
// the trust list the service loads by default, and signs the sample certificates under
// samples/. Private keys are NOT written anywhere: the samples are signed once, here.
// Run it again to renew everything (e.g. when the test samples' windows have passed).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCsca, makeDsc, EKU, type DemoCertificate } from '../src/demo/pki.js';
import { recovery, test, vaccination } from '../src/demo/samples.js';
import { cbor, cwtPayload, issueHc1, signCose, wrapHc1, type Hc1Claims } from '../src/formats/dcc/encode.js';
import { decodeCbor, Tag } from '../src/formats/cbor.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DAY = 86_400;
const now = Math.floor(Date.now() / 1000);
const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const day = (s: number) => iso(s).slice(0, 10);

const validity = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') };
const csca = await makeCsca({ country: 'XA', name: 'Lintas Demo CSCA', ...validity });
const dscValidity = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };
const dscEc = await makeDsc(csca, { country: 'XA', name: 'Lintas Demo DSC ES256', ...dscValidity });
const dscRsa = await makeDsc(csca, { country: 'XA', name: 'Lintas Demo DSC PS256', alg: 'PS256', ...dscValidity });
const dscTestOnly = await makeDsc(csca, { country: 'XA', name: 'Lintas Demo DSC tests only', eku: [EKU.test], ...dscValidity });

function entry(cert: DemoCertificate, type: 'DSC' | 'CSCA') {
  return {
    kid: Buffer.from(cert.kid).toString('base64'),
    timestamp: iso(now),
    country: 'XA',
    certificateType: type,
    thumbprint: createHash('sha256').update(cert.der).digest('hex'),
    rawData: Buffer.from(cert.der).toString('base64'),
  };
}

const demoDir = join(root, 'trust-lists', 'demo');
mkdirSync(demoDir, { recursive: true });
writeFileSync(join(demoDir, 'csca.pem'), csca.pem + '\n');
writeFileSync(
  join(demoDir, 'dsc.json'),
  JSON.stringify([entry(csca, 'CSCA'), entry(dscEc, 'DSC'), entry(dscRsa, 'DSC'), entry(dscTestOnly, 'DSC')], null, 2) + '\n',
);

const sign = (claims: Hc1Claims, dsc: DemoCertificate = dscEc) =>
  issueHc1(claims, { alg: dsc === dscRsa ? 'PS256' : 'ES256', key: dsc.privateKey, kid: dsc.kid });
const base = { iss: 'XA', iat: now - 3600, exp: now + 365 * DAY };

function tampered(): string {
  const claims = { ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) };
  const cose = decodeCbor(signCose(cwtPayload(claims), { alg: 'ES256', key: dscEc.privateKey, kid: dscEc.kid })) as Tag;
  const forged = vaccination({ dn: 2, sd: 2, dt: '2021-08-02' });
  forged.nam.gn = 'Budi';
  (cose.value as unknown[])[2] = Buffer.from(cwtPayload({ ...claims, dcc: forged }));
  return wrapHc1(cbor(cose));
}

const samples: { id: string; title: { en: string; id: string }; expect: string; qr: string }[] = [
  { id: 'vaccination-complete', title: { en: 'Vaccination 2/2 (Comirnaty)', id: 'Vaksinasi 2/2 (Comirnaty)' }, expect: 'GREEN',
    qr: sign({ ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) }) },
  { id: 'vaccination-booster', title: { en: 'Booster 3/3', id: 'Booster 3/3' }, expect: 'GREEN',
    qr: sign({ ...base, dcc: vaccination({ dn: 3, sd: 3, dt: '2022-01-10' }) }) },
  { id: 'vaccination-partial', title: { en: 'Vaccination 1/2', id: 'Vaksinasi 1/2' }, expect: 'YELLOW',
    qr: sign({ ...base, dcc: vaccination({ dn: 1, sd: 2, dt: '2021-07-05' }) }) },
  { id: 'vaccination-rsa', title: { en: 'Vaccination 2/2, RSA-PSS signer', id: 'Vaksinasi 2/2, penanda tangan RSA-PSS' }, expect: 'GREEN',
    qr: sign({ ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-09-01', mp: 'EU/1/20/1507' }) }, dscRsa) },
  { id: 'test-pcr-negative', title: { en: 'Negative PCR test (sampled at generation)', id: 'Tes PCR negatif (diambil saat dibuat)' }, expect: 'GREEN until 72 h after generation, then RED',
    qr: sign({ ...base, exp: now + 3 * DAY, dcc: test({ tt: 'LP6464-4', tr: '260415000', sc: iso(now - 2 * 3600) }) }) },
  { id: 'test-positive', title: { en: 'Positive PCR test', id: 'Tes PCR positif' }, expect: 'BLACK for 10 days after generation, then RED',
    qr: sign({ ...base, dcc: test({ tt: 'LP6464-4', tr: '260373001', sc: iso(now - 2 * 3600) }) }) },
  { id: 'recovery', title: { en: 'Recovery', id: 'Pemulihan' }, expect: 'YELLOW for 60 days after generation, then RED',
    qr: sign({ ...base, dcc: recovery({ fr: day(now - 30 * DAY), df: day(now - 19 * DAY), du: day(now + 150 * DAY) }) }) },
  { id: 'expired', title: { en: 'Expired certificate', id: 'Sertifikat kedaluwarsa' }, expect: 'INVALID (EXPIRED)',
    qr: sign({ iss: 'XA', iat: now - 400 * DAY, exp: now - 35 * DAY, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) }) },
  { id: 'tampered', title: { en: 'Tampered (name changed after signing)', id: 'Dimanipulasi (nama diubah setelah ditandatangani)' }, expect: 'INVALID (SIGNATURE_INVALID)',
    qr: tampered() },
  { id: 'wrong-key-usage', title: { en: 'Vaccination signed by a tests-only signer', id: 'Vaksinasi ditandatangani penanda tangan khusus tes' }, expect: 'INVALID (KEY_USAGE_MISMATCH)',
    qr: sign({ ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) }, dscTestOnly) },
];

const samplesDir = join(root, 'samples');
mkdirSync(samplesDir, { recursive: true });
for (const s of samples) writeFileSync(join(samplesDir, `${s.id}.txt`), s.qr + '\n');
writeFileSync(
  join(samplesDir, 'index.json'),
  JSON.stringify({ generatedAt: iso(now), samples: samples.map(({ qr: _qr, ...rest }) => ({ ...rest, file: `${rest.id}.txt` })) }, null, 2) + '\n',
);
console.log(`demo PKI and ${samples.length} samples written (signers: ${[dscEc, dscRsa, dscTestOnly].map((d) => Buffer.from(d.kid).toString('base64')).join(', ')})`);
