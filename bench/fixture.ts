// One demo signer and one valid ES256 HC1 for the benchmarks, written to a temp trust folder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dgcgEntry, makeCsca, makeDsc, type DemoCertificate } from '../scripts/demo/pki.js';
import { vaccination } from '../scripts/demo/samples.js';
import { issueHc1 } from '../scripts/demo/sign-hc1.js';

export interface BenchFixture {
  dsc: DemoCertificate;
  qr: string;
  trustDir: string;
}

export async function benchFixture(): Promise<BenchFixture> {
  const validity = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };
  const csca = await makeCsca({ country: 'XA', name: 'Bench CSCA', ...validity });
  const dsc = await makeDsc(csca, { country: 'XA', name: 'Bench DSC', ...validity });
  const now = Math.floor(Date.now() / 1000);
  const qr = issueHc1(
    { iss: 'XA', iat: now - 3600, exp: now + 86_400 * 365, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }) },
    { alg: 'ES256', key: dsc.privateKey, kid: dsc.kid },
  );
  const trustDir = mkdtempSync(join(tmpdir(), 'lintas-bench-'));
  writeFileSync(
    join(trustDir, 'dsc.json'),
    JSON.stringify([dgcgEntry(dsc, { country: 'XA', timestamp: '2026-01-01T00:00:00Z' })]),
  );
  writeFileSync(join(trustDir, 'sources.json'), JSON.stringify({ sources: [{ id: 'bench', type: 'dgcg-trustlist', file: 'dsc.json' }] }));
  return { dsc, qr, trustDir };
}
