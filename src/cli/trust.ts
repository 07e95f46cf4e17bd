// npm run trust -- <command>: the operator's trust-list tool (issue 4). Compiled with the service
// (dist/cli/trust.js), so it runs in the production image, which has no TypeScript loader.
// No network: `sources` shows the state from local files and last good copies only.
import '../trust/x509.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config.js';
import { TrustRefresher } from '../trust/refresher.js';
import { contentHash, parseSnapshotText, writeSnapshot, type SnapshotRecord } from '../trust/snapshots.js';
import { sourceType } from '../trust/sources/index.js';
import type { SourceDef, SourceResult } from '../trust/sources/common.js';

export const USAGE = `npm run trust -- <command>

  sources                         every source of sources.json: origin, signers, age, errors
  signers <source>                the signers a source holds (kid, country, validity, subject)
  verify  <type> <file> [--anchor A] [--signature S]
                                  check a list file as if downloaded (anchor demanded), no writes
  import  <source> <file> [--signature S]
                                  verify a list file with the source's anchor and make it the
                                  source's last good copy in DATA_DIR (read at the next start-up)
  diff    <type> <old> <new> [--anchor A] [--signature-old S] [--signature-new S]
                                  what changed between two lists or two DATA_DIR snapshots

Options: --dir TRUST_LISTS_DIR, --data DATA_DIR (defaults: the service's configuration,
         src/config.ts: $TRUST_LISTS_DIR or ./trust-lists, $DATA_DIR or ./data);
         --iss ISSUER for verify/diff of a jwks list (a SMART Health Card issuer's keys).`;

/** The CLI's own refusal: one line on stderr, exit 1. */
class CliError extends Error {}

const fail = (msg: string): never => {
  throw new CliError(msg);
};
const out = (line = ''): void => {
  process.stdout.write(line + '\n');
};
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(path.resolve(p)));

/** A list file, or a DATA_DIR snapshot file (its stored bytes and signature, checksum checked). */
function listBytes(file: string, sigFile?: string): { bytes: Uint8Array; signature?: Uint8Array } {
  const bytes = read(file);
  let format: unknown;
  try {
    format = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { format?: unknown }).format;
  } catch {
    // not JSON: the file is the list itself
  }
  if (format !== 1) return { bytes, ...(sigFile ? { signature: read(sigFile) } : {}) };
  const record = parseSnapshotText(Buffer.from(bytes).toString('utf8'));
  if ('error' in record) return fail(`${file}: a snapshot file that does not read back (${record.error})`);
  return { bytes: record.bytes, ...(record.signature ? { signature: record.signature } : {}) };
}

/**
 * Parses a list as its source type does. `base` carries what the definition names beyond the
 * type (a jwks issuer's `iss`, a source's `country`): `import` passes the real definition, so the
 * list is judged exactly as the next start-up will judge it.
 */
async function parseAs(
  base: Pick<SourceDef, 'type'> & Partial<SourceDef>,
  got: { bytes: Uint8Array; signature?: Uint8Array },
  at: Date,
  anchor?: string,
): Promise<SourceResult> {
  const t = sourceType(base.type) ?? fail(`unknown source type "${base.type}"`);
  const def = { id: 'cli', url: 'https://cli.invalid/', ...base } as SourceDef;
  return t.parse({ def, bytes: got.bytes, origin: 'url', at, ...(anchor ? { anchor: read(anchor) } : {}), ...(got.signature ? { signature: got.signature } : {}) });
}

function summary(r: SourceResult): void {
  const countries = new Set(r.signers.map((s) => s.country));
  out(`signers: ${r.signers.length} from ${countries.size} countries`);
  if (r.revocation) out(`revocation entries: ${r.revocation.entryCount}`);
  if (r.listTime) out(`list time: ${r.listTime.at.toISOString()} (${r.listTime.kind})`);
  out(`dropped: ${r.dropped.length}`);
  for (const d of r.dropped.slice(0, 20)) out(`  ${d.code ?? '?'} ${d.kid ?? ''} ${d.reason}`);
}

const signerKey = (s: SourceResult['signers'][number]): string => `${s.iss ?? ''} ${s.kid} ${s.certificateDer ? contentHash(s.certificateDer).slice(0, 16) : ''}`;

/** Runs one command; `env` gives the defaults of --dir and --data (the service's configuration). */
export async function runTrustCli(argv: readonly string[], env: Record<string, string | undefined>, now: () => Date = () => new Date()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      data: { type: 'string' },
      anchor: { type: 'string' },
      signature: { type: 'string' },
      'signature-old': { type: 'string' },
      'signature-new': { type: 'string' },
      iss: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const config = parseConfig(env);
  const dir = path.resolve(values.dir ?? config.TRUST_LISTS_DIR);
  const dataDir = path.resolve(values.data ?? config.DATA_DIR);
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(USAGE);
    return 0;
  }
  switch (command) {
    case 'sources': {
      const r = await TrustRefresher.open({ dir, dataDir, now, readOnly: true });
      for (const s of r.store.summary(now()).sources) {
        out(`${s.id}  ${s.type}  origin=${s.origin ?? '-'}  signers=${s.signerCount}${s.revocationEntries ? ` revocations=${s.revocationEntries}` : ''}  age=${s.ageSeconds ?? '-'}s  stale=${s.stale}${s.expired ? ' EXPIRED' : ''}${s.lastError ? `  error=${s.errorCode ?? ''}: ${s.lastError}` : ''}`);
      }
      return 0;
    }
    case 'signers': {
      const id = rest[0] ?? fail('usage: signers <source>');
      const r = await TrustRefresher.open({ dir, dataDir, now, readOnly: true });
      const state = r.store.current().states.find((s) => s.id === id) ?? fail(`no source "${id}"`);
      for (const s of state.signers) {
        out(`${s.kid}  ${s.country || '-'}  ${s.keyType}  ${s.notAfter ? `until ${s.notAfter.toISOString().slice(0, 10)}` : ''}  ${s.iss ?? s.subject ?? ''}`);
      }
      out(`${state.signers.length} signers`);
      return 0;
    }
    case 'verify': {
      const [type, file] = [rest[0] ?? fail('usage: verify <type> <file> [--anchor A] [--signature S]'), rest[1] ?? fail('usage: verify <type> <file>')];
      summary(await parseAs({ type, ...(values.iss ? { iss: values.iss } : {}) }, listBytes(file, values.signature), now(), values.anchor));
      out('OK: the list verifies');
      return 0;
    }
    case 'import': {
      const [id, file] = [rest[0] ?? fail('usage: import <source> <file> [--signature S]'), rest[1] ?? fail('usage: import <source> <file>')];
      const r = await TrustRefresher.open({ dir, dataDir, now, readOnly: true });
      const def = r.definitions().find((d) => d.id === id) ?? fail(`no source "${id}" in ${dir}/sources.json`);
      const got = listBytes(file, values.signature);
      const result = await parseAs(def, got, now(), def.anchor ? path.join(dir, def.anchor) : undefined);
      summary(result);
      const record: SnapshotRecord = { id, type: def.type, fetchedAt: now(), origin: def.url ? 'url' : 'file', bytes: got.bytes, ...(got.signature ? { signature: got.signature } : {}) };
      await writeSnapshot(dataDir, record, {}, 'cli');
      out(`imported as the last good copy of "${id}" in ${dataDir}; a running service reads it at its next start-up`);
      return 0;
    }
    case 'diff': {
      const [type, a, b] = [rest[0] ?? fail('usage: diff <type> <old> <new> [--anchor A]'), rest[1] ?? fail('usage: diff <type> <old> <new>'), rest[2] ?? fail('usage: diff <type> <old> <new>')];
      const [before, after] = await Promise.all([
        parseAs({ type, ...(values.iss ? { iss: values.iss } : {}) }, listBytes(a, values['signature-old']), now(), values.anchor),
        parseAs({ type, ...(values.iss ? { iss: values.iss } : {}) }, listBytes(b, values['signature-new']), now(), values.anchor),
      ]);
      const oldKeys = new Map(before.signers.map((s) => [signerKey(s), s]));
      const newKeys = new Map(after.signers.map((s) => [signerKey(s), s]));
      const added = [...newKeys].filter(([k]) => !oldKeys.has(k));
      const removed = [...oldKeys].filter(([k]) => !newKeys.has(k));
      for (const [, s] of added) out(`+ ${s.kid}  ${s.country || '-'}  ${s.iss ?? s.subject ?? ''}`);
      for (const [, s] of removed) out(`- ${s.kid}  ${s.country || '-'}  ${s.iss ?? s.subject ?? ''}`);
      out(`signers: ${before.signers.length} → ${after.signers.length} (+${added.length} −${removed.length})`);
      if (before.revocation || after.revocation) out(`revocation entries: ${before.revocation?.entryCount ?? 0} → ${after.revocation?.entryCount ?? 0}`);
      if (before.listTime && after.listTime && after.listTime.at < before.listTime.at) out('WARNING: the new list is older than the old one (a refresh would refuse it as a rollback)');
      return 0;
    }
    default:
      out(USAGE);
      return 1;
  }
}

/** The process edge of the CLI: arguments and environment in, exit code out. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await runTrustCli(argv, process.env);
  } catch (e) {
    const known = e instanceof CliError || e instanceof ConfigError || (e as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    process.stderr.write(`${known ? '' : 'refused: '}${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

// Run when executed (node dist/cli/trust.js), not when imported by a test.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) void main();
