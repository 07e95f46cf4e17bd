// Reads business rules from a directory tree (trust-lists/rules/…) at start-up. A file holds one
// rule object (the gateway's `/rules/{country}/{hash}` body) or an array of them. Invalid rules
// are dropped one by one and reported; they never stop the others from loading.
//
// Layout accepted: any `*.json` below `dir`, except inside folders named `tests` (the
// dgc-business-rules-testdata layout `<CC>/<RULE-ID>/rule.json` + `tests/testNNN.json`, which we
// use for our own demo rules too) and dot-folders.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateLogic } from './certlogic.js';
import { RuleSchema } from './schema.js';
import type { Rule } from './schema.js';

export interface DroppedRule {
  /** Path relative to `dir`, with `#<index>` for an entry of an array file. */
  file: string;
  reason: string;
}

export interface LoadedRules {
  rules: Rule[];
  dropped: DroppedRule[];
}

/** Synchronous on purpose: it runs once while the service starts, before it listens. */
export function loadRules(dir: string): LoadedRules {
  const rules: Rule[] = [];
  const dropped: DroppedRule[] = [];
  for (const abs of listJsonFiles(dir)) {
    const rel = path.relative(dir, abs).split(path.sep).join('/');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(abs, 'utf8'));
    } catch (e) {
      dropped.push({ file: rel, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const entries = Array.isArray(json) ? json.map((v, i) => [`${rel}#${i}`, v] as const) : [[rel, json] as const];
    for (const [file, value] of entries) {
      const checked = parseRule(value);
      if (checked.ok) rules.push(checked.rule);
      else dropped.push({ file, reason: checked.reason });
    }
  }
  return { rules, dropped };
}

/** Validates one rule: the gateway format (schema.ts) and a well-formed CertLogic Logic. */
export function parseRule(value: unknown): { ok: true; rule: Rule } | { ok: false; reason: string } {
  const parsed = RuleSchema.safeParse(value);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: `not a validation rule: ${reason}` };
  }
  // The gateway does not check the Logic; the testdata tooling does (validateFormat). A rule
  // whose Logic is malformed would only ever evaluate to an error, so it is dropped up front.
  const issues = validateLogic(parsed.data.Logic);
  if (issues.length > 0) {
    return {
      ok: false,
      reason: `${parsed.data.Identifier}: invalid CertLogic: ${issues.slice(0, 3).map((i) => i.message).join('; ')}`,
    };
  }
  return { ok: true, rule: parsed.data };
}

function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'tests') walk(p);
      } else if (e.isFile() && e.name.endsWith('.json')) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}
