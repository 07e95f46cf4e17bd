// The verification pipeline exactly as the service composes it (src/compose.ts: the format
// table, the trust store's resolver, the default policy's evaluator), over the bench trust
// folder, with no HTTP edge. The in-process benchmark and the bare node:http ceiling both use it,
// so "in-process" and "ceiling" measure the same work the service does per certificate.
import { mkdtempSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdapters } from '../src/formats/index.js';
import { evaluate, policyLabel } from '../src/policy/evaluate.js';
import { loadPolicy } from '../src/policy/load.js';
import { verifyText, type PipelineDeps, type VerificationOutcome } from '../src/pipeline/verify.js';
import { openTrust } from '../src/trust/refresher.js';
import type { Lang } from '../src/errors.js';

/** The default policy (src/policy/load.ts DEFAULT_POLICY_FILE), found from the repository root: this file runs from dist-bench/bench/. */
const POLICY_FILE = fileURLToPath(new URL('../../policies/ID-2021-09.json', import.meta.url));

export interface BenchPipeline {
  deps: PipelineDeps;
  verify(qr: string, at: Date, lang?: Lang): Promise<VerificationOutcome>;
}

export async function benchPipeline(trustDir: string): Promise<BenchPipeline> {
  const policy = loadPolicy(POLICY_FILE);
  const refresher = await openTrust({
    dir: trustDir,
    dataDir: mkdtempSync(join(tmpdir(), 'lintas-bench-data-')),
    now: () => new Date(),
    readOnly: true,
  });
  const trust = refresher.store;
  if (!trust.ready()) throw new Error('the bench trust list did not load');
  const deps: PipelineDeps = {
    adapters: createAdapters(),
    trust: () => trust.current().resolver,
    domestic: (certificate, at, lang) => evaluate(certificate, policy, at, lang),
    policyRef: () => policyLabel(policy),
  };
  return { deps, verify: (qr, at, lang = 'en') => verifyText(qr, { at, lang }, deps) };
}
