// A real service over a temporary trust folder with a fresh demo PKI, so HTTP tests sign
// certificates on the spot (nothing pre-signed, no private key in the repo).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { dgcgEntry, makeCsca, makeDsc, EKU, type DemoCertificate } from '../../scripts/demo/pki.js';
import { createService, type Service } from '../../src/compose.js';
import { issueHc1, type Hc1Claims } from '../../scripts/demo/sign-hc1.js';
import { createLogger } from '../../src/logger.js';

export interface TestPki {
  csca: DemoCertificate;
  ec: DemoCertificate;
  rsa: DemoCertificate;
  testOnly: DemoCertificate;
  /** Not on any list: its certificates must answer KID_UNKNOWN. */
  stranger: DemoCertificate;
}

const validity = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };

let pkiPromise: Promise<TestPki> | undefined;
export function testPki(): Promise<TestPki> {
  pkiPromise ??= (async () => {
    const csca = await makeCsca({ country: 'XA', name: 'Test CSCA', ...validity });
    return {
      csca,
      ec: await makeDsc(csca, { country: 'XA', name: 'Test DSC EC', ...validity }),
      rsa: await makeDsc(csca, { country: 'XA', name: 'Test DSC RSA', alg: 'PS256', ...validity }),
      testOnly: await makeDsc(csca, { country: 'XA', name: 'Test DSC tests only', eku: [EKU.test], ...validity }),
      stranger: await makeDsc(csca, { country: 'XA', name: 'Test DSC unlisted', ...validity }),
    };
  })();
  return pkiPromise;
}

const entry = (cert: DemoCertificate) => dgcgEntry(cert, { country: 'XA', timestamp: '2026-01-01T00:00:00Z' });

/**
 * A further trust source for the temporary trust folder: its sources.json entry, and the files
 * it names (paths relative to the folder, e.g. `shc/jwks.json`), written before the service loads.
 */
export interface ExtraSource {
  def: { id: string; type: string; file: string } & Record<string, unknown>;
  files: Record<string, string | Uint8Array>;
}

export function writeTrustDir(pki: TestPki, opts: { broken?: boolean; extraSources?: readonly ExtraSource[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-trust-'));
  mkdirSync(join(dir, 'lists'));
  writeFileSync(join(dir, 'lists', 'dsc.json'), JSON.stringify([entry(pki.ec), entry(pki.rsa), entry(pki.testOnly)]));
  const sources: Record<string, unknown>[] = opts.broken
    ? [{ id: 'broken', type: 'dgcg-trustlist', file: 'lists/missing.json' }]
    : [{ id: 'test-list', type: 'dgcg-trustlist', file: 'lists/dsc.json' }];
  for (const extra of opts.extraSources ?? []) {
    for (const [name, content] of Object.entries(extra.files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    sources.push(extra.def);
  }
  writeFileSync(join(dir, 'sources.json'), JSON.stringify({ sources }));
  return dir;
}

/** Log lines captured in memory, so tests can assert what never reaches the logs. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
  text(): string {
    return this.lines.join('');
  }
}

export async function testService(
  opts: { policyFile?: string; broken?: boolean; rulesDir?: string; now?: () => Date; extraSources?: readonly ExtraSource[] } = {},
): Promise<Service & { pki: TestPki; logs: LogCapture }> {
  const pki = await testPki();
  const logs = new LogCapture();
  const service = await createService({
    trustListsDir: writeTrustDir(pki, { ...(opts.broken ? { broken: true } : {}), ...(opts.extraSources ? { extraSources: opts.extraSources } : {}) }),
    dataDir: mkdtempSync(join(tmpdir(), 'lintas-data-')),
    logger: createLogger({ level: 'info', destination: logs }),
    rulesDir: opts.rulesDir ?? join(process.cwd(), 'trust-lists', 'rules'),
    ...(opts.policyFile ? { policyFile: opts.policyFile } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { ...service, pki, logs };
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Signs an EU DCC with a test DSC; iat/exp default around 2021-09-01 … 2031. `hcertLabel` 3 or 4
 * puts the document under the WHO DDCC:VS / DDCC:TR sub-claim instead of the EU one (1).
 */
export function hc1(
  pki: TestPki,
  dcc: unknown,
  opts: { signer?: keyof TestPki; iat?: string; exp?: string | null; iss?: string; hcertLabel?: number } = {},
): string {
  const signer = pki[opts.signer ?? 'ec'];
  const claims: Hc1Claims = {
    iss: opts.iss ?? 'XA',
    iat: seconds(opts.iat ?? '2021-09-01T00:00:00Z'),
    ...(opts.exp === null ? {} : { exp: seconds(opts.exp ?? '2030-12-01T00:00:00Z') }),
    dcc,
    ...(opts.hcertLabel !== undefined ? { hcertLabel: opts.hcertLabel } : {}),
  };
  return issueHc1(claims, { alg: signer === pki.rsa ? 'PS256' : 'ES256', key: signer.privateKey, kid: signer.kid });
}
