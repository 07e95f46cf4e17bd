// npm run trust -- <command>   (issue 4: the operator's trust-list tool)
//
//   sources                         every source of sources.json: origin, signers, age, errors
//   signers <source>                the signers a source holds (kid, country, validity, subject)
//   verify  <type> <file> [--anchor A] [--signature S]
//                                   check a list file as if downloaded (anchor demanded), no writes
//   import  <source> <file> [--signature S]
//                                   verify a list file with the source's anchor and make it the
//                                   source's last good copy in DATA_DIR (read at the next start-up)
//   diff    <type> <old> <new> [--anchor A] [--signature-old S] [--signature-new S]
//                                   what changed between two lists or two DATA_DIR snapshots
//
// Options: --dir TRUST_LISTS_DIR (default $TRUST_LISTS_DIR or ./trust-lists),
//          --data DATA_DIR (default $DATA_DIR or ./data). No network: `sources` shows the state
//          from local files and last good copies only.
import '../src/trust/x509.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TrustRefresher } from '../src/trust/refresher.js';
import { contentHash, writeSnapshot, type SnapshotRecord } from '../src/trust/snapshots.js';
import { sourceType } from '../src/trust/sources/index.js';
import type { SourceDef, SourceResult } from '../src/trust/sources/common.js';

const argv = process.argv.slice(2);
const flags = new Map<string, string>();
const args: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a.startsWith('--')) flags.set(a.slice(2), argv[++i] ?? '');
  else args.push(a);
}
const dir = path.resolve(flags.get('dir') ?? process.env['TRUST_LISTS_DIR'] ?? './trust-lists');
const dataDir = path.resolve(flags.get('data') ?? process.env['DATA_DIR'] ?? './data');
const now = (): Date => new Date();
const out = (line = ''): void => {
  process.stdout.write(line + '\n');
};
const fail = (msg: string): never => {
  process.stderr.write(msg + '\n');
  process.exit(1);
};
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(path.resolve(p)));

/** A list file, or a DATA_DIR snapshot file (its stored bytes and signature). */
function listBytes(file: string, sigFile?: string): { bytes: Uint8Array; signature?: Uint8Array } {
  const bytes = read(file);
  try {
    const j = JSON.parse(Buffer.from(bytes).toString('utf8')) as { format?: unknown; bytes?: unknown; signature?: unknown };
    if (j.format === 1 && typeof j.bytes === 'string') {
      return {
        bytes: new Uint8Array(Buffer.from(j.bytes, 'base64')),
        ...(typeof j.signature === 'string' ? { signature: new Uint8Array(Buffer.from(j.signature, 'base64')) } : {}),
      };
    }
  } catch {
    // not JSON, or not a snapshot: the file is the list itself
  }
  return { bytes, ...(sigFile ? { signature: read(sigFile) } : {}) };
}

async function parseAs(type: string, got: { bytes: Uint8Array; signature?: Uint8Array }, anchor?: string): Promise<SourceResult> {
  const t = sourceType(type) ?? fail(`unknown source type "${type}"`);
  const def = { id: 'cli', type, url: 'https://cli.invalid/' } as SourceDef;
  return t.parse({ def, bytes: got.bytes, origin: 'url', ...(anchor ? { anchor: read(anchor) } : {}), ...(got.signature ? { signature: got.signature } : {}) });
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

async function main(): Promise<void> {
  const [command, ...rest] = args;
  switch (command) {
    case 'sources': {
      const r = await TrustRefresher.open({ dir, dataDir, now, readOnly: true });
      for (const s of r.store.summary(now()).sources) {
        out(`${s.id}  ${s.type}  origin=${s.origin ?? '-'}  signers=${s.signerCount}${s.revocationEntries ? ` revocations=${s.revocationEntries}` : ''}  age=${s.ageSeconds ?? '-'}s  stale=${s.stale}${s.expired ? ' EXPIRED' : ''}${s.lastError ? `  error=${s.errorCode ?? ''}: ${s.lastError}` : ''}`);
      }
      return;
    }
    case 'signers': {
      const id = rest[0] ?? fail('usage: signers <source>');
      const r = await TrustRefresher.open({ dir, dataDir, now, readOnly: true });
      const state = r.store.current().states.find((s) => s.id === id) ?? fail(`no source "${id}"`);
      for (const s of state.signers) {
        out(`${s.kid}  ${s.country || '-'}  ${s.keyType}  ${s.notAfter ? `until ${s.notAfter.toISOString().slice(0, 10)}` : ''}  ${s.iss ?? s.subject ?? ''}`);
      }
      out(`${state.signers.length} signers`);
      return;
    }
    case 'verify': {
      const [type, file] = [rest[0] ?? fail('usage: verify <type> <file> [--anchor A] [--signature S]'), rest[1] ?? fail('usage: verify <type> <file>')];
      summary(await parseAs(type, listBytes(file, flags.get('signature')), flags.get('anchor')));
      out('OK: the list verifies');
      return;
    }
    case 'import': {
      const [id, file] = [rest[0] ?? fail('usage: import <source> <file> [--signature S]'), rest[1] ?? fail('usage: import <source> <file>')];
      const r = await TrustRefresher.open({ dir, dataDir, now, readOnly: true });
      const def = r.definitions().find((d) => d.id === id) ?? fail(`no source "${id}" in ${dir}/sources.json`);
      const got = listBytes(file, flags.get('signature'));
      const result = await parseAs(def.type, got, def.anchor ? path.join(dir, def.anchor) : undefined);
      summary(result);
      const record: SnapshotRecord = { id, type: def.type, fetchedAt: now(), origin: def.url ? 'url' : 'file', bytes: got.bytes, ...(got.signature ? { signature: got.signature } : {}) };
      await writeSnapshot(dataDir, record);
      out(`imported as the last good copy of "${id}" in ${dataDir}; a running service reads it at its next start-up`);
      return;
    }
    case 'diff': {
      const [type, a, b] = [rest[0] ?? fail('usage: diff <type> <old> <new> [--anchor A]'), rest[1] ?? fail('usage: diff <type> <old> <new>'), rest[2] ?? fail('usage: diff <type> <old> <new>')];
      const anchor = flags.get('anchor');
      const [before, after] = await Promise.all([
        parseAs(type, listBytes(a, flags.get('signature-old')), anchor),
        parseAs(type, listBytes(b, flags.get('signature-new')), anchor),
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
      return;
    }
    default:
      out(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 18).map((l) => l.slice(3)).join('\n'));
      if (command !== undefined && command !== 'help') process.exitCode = 1;
  }
}

main().catch((e: unknown) => fail(`refused: ${e instanceof Error ? e.message : String(e)}`));
