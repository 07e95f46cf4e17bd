// Loading TRUST_LISTS_DIR (contract.md "Trust lists"): sources.json names the sources; each
// file source is read and parsed on its own, so one failing source never touches the others.
// Only reading is here; parsing is per type in sources/, downloading in fetch.ts, and the one
// loading path (read or download, verify, guard, keep the last good copy) in refresher.ts.
import { open, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { errorText, parseJson, type SourceDef, sourceDefSchema, zodMessage } from './sources/common.js';

export const SOURCES_FILE = 'sources.json';
/** Largest list file read (the real German list is 4 MB); a bigger file is refused, not read. */
export const MAX_SOURCE_FILE_BYTES = 64 * 1024 * 1024;

const sourcesFileSchema = z.object({ sources: z.array(z.unknown()).max(500) });

/** One sources.json entry: a valid definition, or why it is not (that source alone fails). */
export type SourceEntry = { ok: true; def: SourceDef } | { ok: false; id: string; type: string; error: string };

/**
 * Reads and validates sources.json. Throws only when the file as a whole is unusable
 * (missing, not JSON, no `sources` array); a malformed entry fails only that source.
 */
export async function readSourcesFile(dir: string): Promise<SourceEntry[]> {
  const file = path.join(dir, SOURCES_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${errorText(e)}`);
  }
  const parsed = sourcesFileSchema.safeParse(parseJson(text, SOURCES_FILE));
  if (!parsed.success) throw new Error(`${SOURCES_FILE}: ${zodMessage(parsed.error)}`);
  const ids = new Set<string>();
  return parsed.data.sources.map((raw, index): SourceEntry => {
    const rawObj = (typeof raw === 'object' && raw !== null ? raw : {}) as { id?: unknown; type?: unknown };
    const id = typeof rawObj.id === 'string' && rawObj.id !== '' ? rawObj.id : `#${index}`;
    const type = typeof rawObj.type === 'string' ? rawObj.type : 'unknown';
    const def = sourceDefSchema.safeParse(raw);
    if (!def.success) return { ok: false, id, type, error: `invalid source definition: ${zodMessage(def.error)}` };
    if (ids.has(def.data.id)) return { ok: false, id: `${id}#${index}`, type, error: `duplicate source id "${id}"` };
    ids.add(def.data.id);
    return { ok: true, def: def.data };
  });
}

/**
 * The absolute path of `rel` inside `dir`, refusing anything that escapes it: absolute paths,
 * `..`, and symlinks pointing outside (both sides resolved with realpath).
 */
export async function resolveInside(dir: string, rel: string): Promise<string> {
  if (rel.includes('\0') || path.isAbsolute(rel)) throw new Error(`path "${rel}" must be relative to the trust-list folder`);
  const root = await realpath(dir);
  const lexical = path.resolve(root, rel);
  const inside = (p: string): boolean => {
    const r = path.relative(root, p);
    return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
  };
  if (!inside(lexical)) throw new Error(`path "${rel}" escapes the trust-list folder`);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (e) {
    throw new Error(`cannot read "${rel}": ${errorText(e)}`);
  }
  if (!inside(real)) throw new Error(`path "${rel}" resolves outside the trust-list folder`);
  return real;
}

/** Reads a file inside `dir` with a size cap checked before reading. */
export async function readInside(dir: string, rel: string): Promise<Uint8Array> {
  const file = await resolveInside(dir, rel);
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_SOURCE_FILE_BYTES) throw new Error(`"${rel}" is larger than ${MAX_SOURCE_FILE_BYTES} bytes`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of a file source and of its detached signature file, read from `dir`. Anchors and
 * CRLs are read where the list is parsed (refresher.ts), for files and downloads alike.
 */
export async function readFileList(dir: string, def: SourceDef): Promise<{ bytes: Uint8Array; signature?: Uint8Array }> {
  if (def.file === undefined) throw new Error('not a file source');
  const bytes = await readInside(dir, def.file);
  return def.signature === undefined ? { bytes } : { bytes, signature: await readInside(dir, def.signature) };
}
