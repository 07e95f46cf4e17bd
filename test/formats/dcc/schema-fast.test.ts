// The compiled fast path of validateDcc (src/formats/dcc/schema.ts) must give exactly what the
// zod schemas give: the same verdict, the same validated data, the same problems and warnings.
// Inputs: every JSON payload of eu-dcc-schema (examples and test/valid|invalid of each release)
// and of dgc-testdata (the `JSON` member; both written by the EU projects, not by this repo), and
// random variants of them made by fast-check.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDcc, validateDccWithZod } from '../../../src/formats/dcc/schema.js';

const vectors = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/vectors');
const dirs = [path.join(vectors, 'eu-dcc-schema'), path.join(vectors, 'dgc-testdata')];

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

function payloads(): unknown[] {
  const out: unknown[] = [];
  for (const file of dirs.flatMap((d) => walk(d))) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch {
      continue;
    }
    if (typeof json !== 'object' || json === null) continue;
    const record = json as Record<string, unknown>;
    // dgc-testdata files carry the payload under JSON; schema examples are the payload.
    const payload = 'JSON' in record ? record.JSON : 'ver' in record ? record : undefined;
    if (payload !== undefined) out.push(payload);
  }
  return out;
}

const all = payloads();

describe.skipIf(all.length === 0)('validateDcc fast path', () => {
  it('agrees with zod alone on every vector payload', () => {
    expect(all.length).toBeGreaterThan(500);
    let valid = 0;
    for (const p of all) {
      const fast = validateDcc(p);
      expect(fast).toEqual(validateDccWithZod(p));
      if (fast.ok) valid++;
    }
    // Both verdicts occur, so the comparison covers the fast path and the fallback.
    expect(valid).toBeGreaterThan(100);
    expect(valid).toBeLessThan(all.length);
  });

  it('agrees with zod alone on random variants of the vector payloads', () => {
    const validOnes = all.filter((p) => validateDccWithZod(p).ok) as Record<string, unknown>[];
    const odd = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer({ min: -3, max: 12 }),
      fc.double(),
      fc.string({ maxLength: 90 }),
      fc.constantFrom('', 'XX', 'ab', '1.3.0', '2.0.0', 'JONES<', 'jones', 'ÉÉ', '1964', '1964-01', '2100-01-01'),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.string(), { maxKeys: 2 }),
    );
    const variant = fc.tuple(fc.nat({ max: validOnes.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat(), odd), { minLength: 1, maxLength: 3 })).map(([i, edits]) => {
      const p = structuredClone(validOnes[i]!);
      for (const [a, b, value] of edits) {
        const group = ['v', 't', 'r'].find((k) => Array.isArray(p[k]));
        const targets: Record<string, unknown>[] = [p, p.nam as Record<string, unknown>, ...(group ? [(p[group] as Record<string, unknown>[])[0]!] : [])].filter((t) => typeof t === 'object' && t !== null);
        const target = targets[a % targets.length]!;
        const keys = [...Object.keys(target), 'fnt', 'gnt', 'tc', 'nm', 'dr', 'extra'];
        const key = keys[b % keys.length]!;
        if (value === undefined) delete target[key];
        else target[key] = value;
      }
      return p;
    });
    fc.assert(
      fc.property(variant, (p) => {
        expect(validateDcc(p)).toEqual(validateDccWithZod(p));
      }),
      { numRuns: 3000, seed: 12 },
    );
  });
});
