// npm run audit:verify [-- <file or folder>]: re-walks the hash chain of every audit file
// (default: DATA_DIR/audit or ./data/audit) and exits 1 at the first broken link.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyAuditFile } from '../src/audit/log.js';

const target = resolve(process.argv[2] ?? join(process.env['DATA_DIR'] ?? './data', 'audit'));
if (!existsSync(target)) {
  process.stderr.write(`no audit log at ${target}\n`);
  process.exit(2);
}
const files = statSync(target).isDirectory()
  ? readdirSync(target).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(target, f))
  : [target];
let failed = false;
for (const file of files) {
  const check = verifyAuditFile(file);
  if (check.ok) process.stdout.write(`ok      ${file}: ${check.records} records, head ${check.head}\n`);
  else {
    failed = true;
    process.stdout.write(`BROKEN  ${file}: line ${check.error?.line}: ${check.error?.reason} (${check.records} records verified before it)\n`);
  }
}
if (files.length === 0) process.stdout.write(`no .jsonl files in ${target}\n`);
process.exit(failed ? 1 : 0);
