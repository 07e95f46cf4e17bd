// npm run audit:verify [-- <file or folder>]: re-walks the hash chain of every audit file
// (default: DATA_DIR/audit, DATA_DIR from the service's configuration, src/config.ts) and exits 1
// at the first broken link, 2 when there is no audit log. Compiled with the service
// (dist/cli/audit-verify.js), so it runs in the production image.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyAuditFile } from '../audit/log.js';
import { ConfigError, parseConfig } from '../config.js';

export const USAGE = 'npm run audit:verify [-- <audit file or folder>]   (default: $DATA_DIR/audit)';

/** Checks every `.jsonl` chain under `target`; returns the exit code. */
export function runAuditVerify(argv: readonly string[], env: Record<string, string | undefined>, out: (line: string) => void, err: (line: string) => void = out): number {
  const { positionals, values } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const target = resolve(positionals[0] ?? join(parseConfig(env).DATA_DIR, 'audit'));
  if (!existsSync(target)) {
    err(`no audit log at ${target}`);
    return 2;
  }
  const files = statSync(target).isDirectory()
    ? readdirSync(target).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(target, f))
    : [target];
  let failed = false;
  for (const file of files) {
    const check = verifyAuditFile(file);
    if (check.ok) out(`ok      ${file}: ${check.records} records, head ${check.head}`);
    else {
      failed = true;
      out(`BROKEN  ${file}: line ${check.error?.line}: ${check.error?.reason} (${check.records} records verified before it)`);
    }
  }
  if (files.length === 0) out(`no .jsonl files in ${target}`);
  return failed ? 1 : 0;
}

export function main(argv: readonly string[] = process.argv.slice(2)): void {
  try {
    process.exitCode = runAuditVerify(
      argv,
      process.env,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? '' : 'refused: '}${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

// Run when executed (node dist/cli/audit-verify.js), not when imported by a test.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
