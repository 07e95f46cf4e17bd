// Each source's last good list on disk (security.md §4.5 I1–I3): written atomically (temp file
// → fsync → rename → fsync of the folder), two generations kept (`<id>.json` and
// `<id>.prev.json`), and read back at start-up so a restart with every source down still
// verifies. A copy stores the exact bytes that were verified, never parsed objects: at start-up
// it goes through the same parser and anchor check as a download, and its list time (the
// rollback floor) is re-derived from the signed content, so the monotonic state is persisted
// inside the same atomic file as the list (I3).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const SNAPSHOT_DIR = 'trust-snapshots';
const FORMAT = 1;

export interface SnapshotRecord {
  id: string;
  type: string;
  /** When the list was downloaded (or read) and accepted. */
  fetchedAt: Date;
  origin: 'file' | 'url';
  bytes: Uint8Array;
  signature?: Uint8Array;
  etag?: string;
}

const fileSchema = z.object({
  format: z.literal(FORMAT),
  id: z.string(),
  type: z.string(),
  fetchedAt: z.iso.datetime(),
  origin: z.enum(['file', 'url']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.base64(),
  signature: z.base64().optional(),
  etag: z.string().optional(),
});

/** hex SHA-256 over the list bytes and, when present, its detached signature. */
export function contentHash(bytes: Uint8Array, signature?: Uint8Array): string {
  const h = createHash('sha256').update(bytes);
  if (signature) h.update(Buffer.from([0])).update(signature);
  return h.digest('hex');
}

const currentName = (id: string): string => `${id}.json`;
const prevName = (id: string): string => `${id}.prev.json`;

/** Test seam: called at the points where a crash matters (the SIGKILL test stops the process there). */
export interface WriteHooks {
  afterTempWrite?: () => void;
  afterFirstRename?: () => void;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The writer's name in temp-file names: one DATA_DIR has one writer (the process that refreshes:
 * WORKERS=1, or the cluster primary; contract "One instance, one trust state"), and its name
 * (the pod's host name in a StatefulSet) tells its temp files from any other's.
 */
const writerTag = (writer: string): string => writer.replace(/[^A-Za-z0-9.]/g, '_') || 'main';

/** Writes `record` as the last good list of its source, atomically; keeps the previous one as `.prev`. */
export async function writeSnapshot(dataDir: string, record: SnapshotRecord, hooks: WriteHooks = {}, writer = 'main'): Promise<void> {
  const dir = path.join(dataDir, SNAPSHOT_DIR);
  await mkdir(dir, { recursive: true });
  const body = JSON.stringify({
    format: FORMAT,
    id: record.id,
    type: record.type,
    fetchedAt: record.fetchedAt.toISOString(),
    origin: record.origin,
    sha256: contentHash(record.bytes, record.signature),
    bytes: Buffer.from(record.bytes).toString('base64'),
    ...(record.signature ? { signature: Buffer.from(record.signature).toString('base64') } : {}),
    ...(record.etag ? { etag: record.etag } : {}),
  });
  const tmp = path.join(dir, `${currentName(record.id)}.tmp-${writerTag(writer)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(body, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  hooks.afterTempWrite?.();
  const current = path.join(dir, currentName(record.id));
  try {
    await rename(current, path.join(dir, prevName(record.id)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  hooks.afterFirstRename?.();
  await rename(tmp, current);
  await fsyncDir(dir);
}

async function readOne(file: string, id: string): Promise<SnapshotRecord | { error: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : String(e) };
  }
  return parseSnapshotText(text, id);
}

/**
 * A snapshot file's text as a record, checked: its shape, its source (when `id` is given) and
 * the checksum of its bytes. The CLI reads snapshot files through this too.
 */
export function parseSnapshotText(text: string, id?: string): SnapshotRecord | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'not JSON (torn write?)' };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) return { error: 'unexpected snapshot shape' };
  const f = parsed.data;
  if (id !== undefined && f.id !== id) return { error: `holds source "${f.id}"` };
  const bytes = new Uint8Array(Buffer.from(f.bytes, 'base64'));
  const signature = f.signature !== undefined ? new Uint8Array(Buffer.from(f.signature, 'base64')) : undefined;
  if (contentHash(bytes, signature) !== f.sha256) return { error: 'checksum mismatch' };
  return {
    id: f.id,
    type: f.type,
    fetchedAt: new Date(f.fetchedAt),
    origin: f.origin,
    bytes,
    ...(signature ? { signature } : {}),
    ...(f.etag !== undefined ? { etag: f.etag } : {}),
  };
}

/**
 * The last good list of source `id`: the current generation, else the previous one (a crash
 * between the two renames leaves only `.prev`). undefined when neither is usable.
 */
export async function readSnapshot(dataDir: string, id: string): Promise<{ record?: SnapshotRecord; problems: string[] }> {
  const dir = path.join(dataDir, SNAPSHOT_DIR);
  const problems: string[] = [];
  for (const name of [currentName(id), prevName(id)]) {
    const r = await readOne(path.join(dir, name), id);
    if ('error' in r) {
      if (r.error !== 'missing') problems.push(`${name}: ${r.error}`);
      continue;
    }
    return { record: r, problems };
  }
  return { problems };
}

/** Every generation of source `id` that reads back intact, newest first (current, then prev). */
export async function readSnapshotGenerations(dataDir: string, id: string): Promise<SnapshotRecord[]> {
  const dir = path.join(dataDir, SNAPSHOT_DIR);
  const out: SnapshotRecord[] = [];
  for (const name of [currentName(id), prevName(id)]) {
    const r = await readOne(path.join(dir, name), id);
    if (!('error' in r)) out.push(r);
  }
  return out;
}

/** Whether a process with this id runs on this machine (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files `writer` left when it crashed mid-write (start-up, before it writes):
 * only its own (review round 1 §1.6: a restarting process must not delete another writer's file
 * mid-write). Its file from an earlier run carries a pid that is gone, or, in a container that
 * restarts as pid 1 again, this process's own pid (it has written nothing yet). Files of the
 * earlier naming (`.tmp-<pid>-<hex>`, no writer) go only when that pid is gone.
 */
export async function cleanTempFiles(dataDir: string, writer = 'main'): Promise<string[]> {
  const dir = path.join(dataDir, SNAPSHOT_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const mine = new RegExp(`\\.json\\.tmp-${writerTag(writer).replace(/\./g, '\\.')}-(\\d+)-[0-9a-f]+$`);
  const legacy = /\.json\.tmp-(\d+)-[0-9a-f]+$/;
  const stale = names.filter((n) => {
    const own = mine.exec(n);
    if (own) return Number(own[1]) === process.pid || !alive(Number(own[1]));
    const old = legacy.exec(n);
    return old !== null && !alive(Number(old[1]));
  });
  await Promise.all(stale.map((n) => rm(path.join(dir, n), { force: true })));
  return stale;
}
