// The operator CLI (scripts/trust-cli.ts) as a child process: verify a real list against its
// anchor (and refuse it against another), import a list as a source's last good copy (the
// next start-up serves it with the source down), diff two lists.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { tempDir, VECTORS, vectorsPresent } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DE = path.join(VECTORS, 'trust-lists/de-dsc-list');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/trust-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

describe.skipIf(!vectorsPresent('trust-lists/de-dsc-list'))('npm run trust', () => {
  it('verify: the real German list against its key; refused against the demo key', () => {
    const ok = cli('verify', 'de-dsc-list', path.join(DE, 'dsc-list.json'), '--anchor', path.join(DE, 'dsc-list-signing-key.pem'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/signers: 829 from 77 countries/);
    const bad = cli('verify', 'de-dsc-list', path.join(DE, 'dsc-list.json'), '--anchor', path.join(DE, 'demo/dsc-list-signing-key.pem'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/signature does not verify/);
  });

  it('verify a SMART Health Card issuer JWKS (the spec examples) with --iss; without it the list is refused for lack of an issuer', () => {
    const jwks = path.join(VECTORS, 'smart-health-cards/spec-examples/examples/issuer/.well-known/jwks.json');
    const ok = cli('verify', 'jwks', jwks, '--iss', 'https://spec.smarthealth.cards/examples/issuer');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/signers: [1-9]/);
    const bad = cli('verify', 'jwks', jwks);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/iss/);
  });

  it('import: the list becomes the last good copy, served at the next start-up with the source down; diff shows the change', async () => {
    const root = tempDir('cli-');
    const dir = path.join(root, 'lists');
    const data = path.join(root, 'data');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'de.pem'), readKey());
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'de', type: 'de-dsc-list', url: 'http://127.0.0.1:9/', anchor: 'de.pem' }] }));
    const res = cli('import', 'de', path.join(DE, 'dsc-list.json'), '--dir', dir, '--data', data);
    expect(res.status, res.stderr).toBe(0);
    const r = await TrustRefresher.open({ dir, dataDir: data, now: () => new Date('2026-11-25T10:00:00Z') });
    expect(r.store.current().sources[0]).toMatchObject({ origin: 'snapshot', signerCount: 829 });
    const diff = cli('diff', 'de-dsc-list', path.join(DE, 'dsc-list.json'), path.join(data, 'trust-snapshots/de.json'), '--anchor', path.join(DE, 'dsc-list-signing-key.pem'));
    expect(diff.stdout).toMatch(/signers: 829 → 829 \(\+0 −0\)/);
  });
});

function readKey(): Buffer {
  return readFileSync(path.join(DE, 'dsc-list-signing-key.pem'));
}
