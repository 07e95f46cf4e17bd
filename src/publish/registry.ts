// What the service has published, kept in DATA_DIR so that what it hands out stays consistent
// across restarts and worker processes (contract "Serving verifier apps and partners"):
//
// - every published signer has a sequence number, the EU verifier app's resume token. The app
//   keeps its last token between syncs and asks only for what comes after it
//   (dgca-verifier-app-android TrustListCertificateRepository), so a signer that joins later must
//   get a number above every number handed out before — a position in a sorted list would make
//   the app miss it forever;
// - the export's `timestamp` is the moment this content was first published, never earlier than
//   the previous one, so a consumer's newest-entry rollback check (our own `de-dsc-list` reader)
//   sees a list that lost a signer as newer, not as a rollback.
//
// One file per generation (`generation-<n>.json`), created with an atomic exclusive link: two
// workers that see the same new content compute the same generation number and the same
// sequence numbers, one link wins and the other adopts the winner's record (same seqs, same time).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { createExclusive } from './files.js';
import { join } from 'node:path';
import { z } from 'zod';

export const REGISTRY_DIR = 'publish';
const KEEP_GENERATIONS = 4;
const MAX_TRIES = 5;

const generationSchema = z.object({
  gen: z.number().int().min(1),
  content: z.string().regex(/^[0-9a-f]{64}$/),
  publishedAt: z.iso.datetime(),
  next: z.number().int().min(1),
  seqs: z.record(z.string(), z.number().int().min(1)),
});

export type Generation = z.infer<typeof generationSchema>;

const fileName = (gen: number): string => `generation-${String(gen).padStart(12, '0')}.json`;
const FILE_RE = /^generation-(\d{12})\.json$/;

/** hex SHA-256 over the sorted thumbprints: what a generation is the publication of. */
export function contentOf(thumbprints: readonly string[]): string {
  return createHash('sha256').update([...thumbprints].sort().join('\n')).digest('hex');
}

/** The generation after `prev` for this content: kept signers keep their numbers, new ones count on. */
export function nextGeneration(prev: Generation | undefined, thumbprints: readonly string[], at: Date): Generation {
  const sorted = [...new Set(thumbprints)].sort();
  let next = prev?.next ?? 1;
  const seqs: Record<string, number> = {};
  for (const t of sorted) {
    const kept = prev?.seqs[t];
    seqs[t] = kept ?? next++;
  }
  const floor = prev ? Date.parse(prev.publishedAt) + 1000 : Number.NEGATIVE_INFINITY;
  const publishedAt = new Date(Math.max(Math.floor(at.getTime() / 1000) * 1000, floor)).toISOString();
  return { gen: (prev?.gen ?? 0) + 1, content: contentOf(sorted), publishedAt, next, seqs };
}

export interface RegistryLogger {
  warn(obj: object, msg: string): void;
}

export class PublicationRegistry {
  readonly #dir: string | undefined;
  readonly #log: RegistryLogger | undefined;
  #memory: Generation | undefined;

  /** `dataDir` undefined: in memory only (tests of other concerns). */
  constructor(dataDir: string | undefined, logger?: RegistryLogger) {
    this.#dir = dataDir === undefined ? undefined : join(dataDir, REGISTRY_DIR);
    this.#log = logger;
  }

  async #latest(): Promise<Generation | undefined> {
    const dir = this.#dir!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const gens = names.flatMap((n) => {
      const m = FILE_RE.exec(n);
      return m ? [Number(m[1])] : [];
    });
    gens.sort((a, b) => b - a);
    for (const gen of gens) {
      const g = await this.#read(gen);
      if (g) return g;
      this.#log?.warn({ file: fileName(gen) }, 'unreadable publication record ignored');
    }
    return undefined;
  }

  async #read(gen: number): Promise<Generation | undefined> {
    try {
      const parsed = generationSchema.safeParse(JSON.parse(await readFile(join(this.#dir!, fileName(gen)), 'utf8')));
      return parsed.success && parsed.data.gen === gen ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes `g` unless its generation exists; returns what is on disk for that generation. */
  async #create(g: Generation): Promise<Generation | undefined> {
    const dir = this.#dir!;
    await mkdir(dir, { recursive: true });
    const file = join(dir, fileName(g.gen));
    return (await createExclusive(file, JSON.stringify(g))) ? g : this.#read(g.gen);
  }

  async #prune(latest: number): Promise<void> {
    const names = await readdir(this.#dir!).catch(() => [] as string[]);
    for (const n of names) {
      const m = FILE_RE.exec(n);
      if (m && Number(m[1]) <= latest - KEEP_GENERATIONS) await unlink(join(this.#dir!, n)).catch(() => {});
    }
  }

  /**
   * The generation that publishes exactly `thumbprints`: the latest one when its content is the
   * same, else a new one dated `at` (or one second after the previous, whichever is later).
   * When DATA_DIR cannot be written the registry carries on in memory and says so once.
   */
  async settle(thumbprints: readonly string[], at: Date): Promise<Generation> {
    const content = contentOf(thumbprints);
    if (this.#dir !== undefined) {
      try {
        for (let i = 0; i < MAX_TRIES; i++) {
          const latest = await this.#latest();
          if (latest && latest.content === content) return (this.#memory = latest);
          const written = await this.#create(nextGeneration(latest, thumbprints, at));
          if (written && written.content === content) {
            await this.#prune(written.gen);
            return (this.#memory = written);
          }
          // Another process published other content under that number: read again.
        }
        throw new Error('the publication records keep changing under this process');
      } catch (e) {
        this.#log?.warn({ error: e instanceof Error ? e.message : String(e) }, 'publication records cannot be kept in DATA_DIR; numbering continues in memory');
      }
    }
    if (this.#memory && this.#memory.content === content) return this.#memory;
    this.#memory = nextGeneration(this.#memory, thumbprints, at);
    return this.#memory;
  }
}
