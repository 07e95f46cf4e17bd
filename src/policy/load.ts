// Reading a policy file at start-up. A bad file must stop the process with one line that an
// operator can act on: which file, which field, what is wrong (contract.md "Starting it").

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { PolicySchema, type Policy } from './schema.js';

/**
 * The bundled default profile. Resolved against this module so it works both from
 * src/policy (tsx, vitest) and dist/policy (tsconfig.build.json has rootDir src).
 */
export const DEFAULT_POLICY_FILE: string = fileURLToPath(new URL('../../policies/ID-2021-09.json', import.meta.url));

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly file: string,
    /** Dotted path of the bad field (`tests.types.LP6464-4.windowHours`), or '' for the file itself. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`policy file ${file}: ${field ? `${field}: ` : ''}${reason}`.replace(/\s*[\r\n]+\s*/g, ' '));
  }
}

/** `['products', 3, 'aliases', 0]` → `products[3].aliases[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; reason: string } {
  // zod reports an unknown key at its parent; name the key itself so a typo is obvious.
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: formatPath([...issue.path, key]), reason: 'unknown field (check the spelling)' };
  }
  return { field: formatPath(issue.path), reason: issue.message };
}

/** Validate an already-parsed JSON value; `source` names it in errors. */
export function parsePolicy(json: unknown, source = '<inline>'): Policy {
  const result = PolicySchema.safeParse(json);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  if (first === undefined) throw new PolicyError(source, '', 'invalid policy');
  const { field, reason } = describeIssue(first);
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  throw new PolicyError(source, field || '(root)', reason + more);
}

/** Read, parse and validate a policy file; throws PolicyError with a one-line message. */
export function loadPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new PolicyError(file, '', `cannot be read (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(file, '', `is not valid JSON (${(err as Error).message})`);
  }
  return parsePolicy(json, file);
}
