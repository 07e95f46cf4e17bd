// EU DCC payload validation (the JSON under hcert claim −260 / 1), after eu-dcc-schema
// 1.0.0–1.3.3 (JSON Schema draft 2020-12, `DCC.combined-schema.json` of each release).
//
// What we take from the schemas, and where we deliberately differ (docs/formats.md §EU DCC 9):
// - The rules of the version named by `ver` apply (lengths 50 → 80 in 1.3.0, dose ≤ 9 until
//   1.2.1, `tc` required until 1.2.1, `fnt` required until 1.3.1 and "fnt or gnt" since 1.3.2,
//   the `dob` pattern of each release). An unknown 1.x version is validated against the newest
//   release with SCHEMA_VERSION_UNKNOWN (Postel's law, eu-dcc-schema wiki FAQ; covpass-ios#7);
//   another major version is refused.
// - Exactly one of v/t/r with exactly one entry, for every version (1.3.0's `oneOf` and
//   `maxItems: 1`; older releases allowed more, which no verifier can interpret). A group set
//   to `null` beside a real one counts as absent, with NULL_ENTRY_IGNORED (real BG data).
// - `format: date / date-time` are annotations, not assertions (JSON Schema 2020-12 §7.2.1;
//   real certificates carry date-times in date fields: PL 11–13, SG/4).
// - Closed value sets (`co` country-2-codes or an international organisation such as UNHCR,
//   `tg` disease-agent-targeted, `tr` test-result) must match (PL 8: `co` XY fails); open lists that grow with new products (`vp`, `mp`, vaccination `ma`, `tt`)
//   only warn VALUE_NOT_IN_VALUE_SET. The same goes for the rapid-test list (test `ma`), which
//   since eu-dcc-valuesets 2.12.0 ships only as a 2021 example (the live list is the
//   gateway's), so a newer test warns; an empty test `ma` (NAAT tests) is not a product.
// - The schemas have no `additionalProperties: false`, so unknown properties are accepted;
//   they are left out of the returned `Dcc` (zod's default strip), which also means no
//   attacker-chosen key (`__proto__`, `constructor`) is ever assigned to an object we build.
//
// Problems name paths and rules only, never values (the detail reaches the report and logs,
// and values here are names and dates of birth).
import { z } from 'zod';
import type { Notice } from '../format.js';
import { inValueSet, isCountryOfEntry } from './valuesets.js';

export interface DccName {
  fn?: string;
  fnt?: string;
  gn?: string;
  gnt?: string;
}

export interface DccVaccination {
  tg: string;
  vp: string;
  mp: string;
  ma: string;
  dn: number;
  sd: number;
  dt: string;
  co: string;
  is: string;
  ci: string;
}

export interface DccTest {
  tg: string;
  tt: string;
  nm?: string;
  ma?: string;
  sc: string;
  /** Date-time of the test result; schema 1.0.0–1.1.0 only. */
  dr?: string;
  tr: string;
  tc?: string;
  co: string;
  is: string;
  ci: string;
}

export interface DccRecovery {
  tg: string;
  fr: string;
  co: string;
  is: string;
  df: string;
  du: string;
  ci: string;
}

/** A validated DCC: exactly one of v/t/r, holding exactly one entry; unknown keys removed. */
export interface Dcc {
  ver: string;
  nam: DccName;
  dob: string;
  v?: DccVaccination[];
  t?: DccTest[];
  r?: DccRecovery[];
}

export type DccType = 'vaccination' | 'test' | 'recovery';

export type DccValidation =
  | { ok: true; dcc: Dcc; type: DccType; warnings: Notice[] }
  | { ok: false; problems: string[]; warnings: Notice[] };

/** The rules that changed between schema releases. */
interface Profile {
  /** maxLength of fn/fnt/gn/gnt, `is`, `ci`, `tc` (50 until 1.2.1, then 80). */
  textMax: number;
  /** maxLength of the NAA test name `nm` (none until 1.2.1). */
  nmMax?: number;
  /** `dose_posint` maximum (9 until 1.2.1, then none). */
  doseMax?: number;
  dob: RegExp;
  /** true: `fnt` required (≤ 1.3.1); false: `fnt` or `gnt` (≥ 1.3.2). */
  fntRequired: boolean;
  tcRequired: boolean;
  /** The test entry still had the result date-time `dr` (≤ 1.1.0). */
  hasDr: boolean;
}

// The dob patterns exactly as released (all linear: no nested unbounded quantifiers).
// 1.0.x: unanchored full date (plus `format: date`, an annotation).
const DOB_1_0 = /(19|20)\d{2}-\d{2}-\d{2}/;
// 1.1.0–1.2.1: year, year-month or date.
const DOB_1_1 = /^(19|20)\d\d(-\d\d){0,2}$/;
// 1.3.x: as 1.1.0, or empty.
const DOB_1_3 = /^((19|20)\d\d(-\d\d){0,2}){0,1}$/;

const P_1_0: Profile = { textMax: 50, doseMax: 9, dob: DOB_1_0, fntRequired: true, tcRequired: true, hasDr: true };
const P_1_1: Profile = { ...P_1_0, dob: DOB_1_1 };
const P_1_2: Profile = { ...P_1_1, hasDr: false };
const P_1_3_0: Profile = { textMax: 80, nmMax: 80, dob: DOB_1_3, fntRequired: true, tcRequired: false, hasDr: false };
const P_1_3_2: Profile = { ...P_1_3_0, fntRequired: false };

const PROFILES: ReadonlyMap<string, Profile> = new Map([
  ['1.0.0', P_1_0],
  ['1.0.1', P_1_0],
  ['1.1.0', P_1_1],
  ['1.2.0', P_1_2],
  ['1.2.1', P_1_2],
  ['1.3.0', P_1_3_0],
  ['1.3.1', P_1_3_0],
  ['1.3.2', P_1_3_2],
  ['1.3.3', P_1_3_2],
]);
/** The newest release, used for unknown 1.x versions. */
export const NEWEST_SCHEMA_VERSION = '1.3.3';
const NEWEST = P_1_3_2;
export const KNOWN_SCHEMA_VERSIONS: readonly string[] = [...PROFILES.keys()];

// `ver` is "^\d+.\d+.\d+$" in every release; the unescaped dot is a typo for semver (the
// description says Semantic Versioning), so we read it as dots.
const VER = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/;
// ICAO 9303 transliteration alphabet.
const ICAO = /^[A-Z<]*$/;
// `country_vt` pattern as released (unanchored); membership in country-2-codes decides anyway.
const COUNTRY = /[A-Z]{1,10}/;

/** JSON Schema maxLength counts code points, not UTF-16 units. */
function codePointsAtMost(max: number): (s: string) => boolean {
  return (s) => {
    if (s.length <= max) return true;
    if (s.length > 2 * max) return false;
    let n = 0;
    for (const _ of s) if (++n > max) return false;
    return true;
  };
}

function text(max: number | undefined): z.ZodString {
  const s = z.string();
  return max === undefined ? s : s.refine(codePointsAtMost(max), { message: `longer than ${max} characters` });
}

function buildSchemas(p: Profile) {
  const dose = p.doseMax === undefined ? z.number().int().min(1) : z.number().int().min(1).max(p.doseMax);
  const icao = text(p.textMax).regex(ICAO, { message: 'not in the ICAO 9303 alphabet [A-Z<]' });
  const name = z
    .object({
      fn: text(p.textMax).optional(),
      fnt: icao.optional(),
      gn: text(p.textMax).optional(),
      gnt: icao.optional(),
    })
    .superRefine((n, ctx) => {
      if (p.fntRequired) {
        if (n.fnt === undefined) ctx.addIssue({ code: 'custom', path: ['fnt'], message: 'required' });
      } else if (n.fnt === undefined && n.gnt === undefined) {
        ctx.addIssue({ code: 'custom', message: 'one of fnt, gnt is required' });
      }
    });
  const country = z.string().regex(COUNTRY, { message: 'not a country code' });
  const vaccination = z.object({
    tg: z.string(),
    vp: z.string(),
    mp: z.string(),
    ma: z.string(),
    dn: dose,
    sd: dose,
    dt: z.string(),
    co: country,
    is: text(p.textMax),
    ci: text(p.textMax),
  });
  const test = z.object({
    tg: z.string(),
    tt: z.string(),
    nm: text(p.nmMax).optional(),
    ma: z.string().optional(),
    sc: z.string(),
    ...(p.hasDr ? { dr: z.string().optional() } : {}),
    tr: z.string(),
    tc: p.tcRequired ? text(p.textMax) : text(p.textMax).optional(),
    co: country,
    is: text(p.textMax),
    ci: text(p.textMax),
  });
  const recovery = z.object({
    tg: z.string(),
    fr: z.string(),
    co: country,
    is: text(p.textMax),
    df: z.string(),
    du: z.string(),
    ci: text(p.textMax),
  });
  const head = {
    ver: z.string(),
    nam: name,
    dob: z.string().regex(p.dob, { message: 'does not match the date-of-birth pattern' }),
  };
  return {
    v: z.object({ ...head, v: z.tuple([vaccination]) }),
    t: z.object({ ...head, t: z.tuple([test]) }),
    r: z.object({ ...head, r: z.tuple([recovery]) }),
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
// Built once per distinct profile (immutable; zod schemas are pure values).
const SCHEMAS: ReadonlyMap<Profile, Schemas> = new Map(
  [...new Set([...PROFILES.values()])].map((p) => [p, buildSchemas(p)] as const),
);

/**
 * The same rules as `buildSchemas`, compiled once per profile into plain checks: the hot path
 * of every verification (zod's safeParse was about a tenth of an HC1's non-signature cost).
 * It only ever says "valid" for input the zod schema accepts, and then returns what zod would
 * (known keys, in schema order, unknown ones dropped); anything it is not sure of, it leaves to
 * zod, which also writes the problems. test/formats/dcc/schema-fast.test.ts holds the two
 * equal over the dgc-testdata and eu-dcc-schema payloads and random variants of them.
 */
interface FastChecks {
  text: (s: unknown) => s is string;
  nm: (s: unknown) => s is string;
  icao: (s: unknown) => s is string;
  dose: (n: unknown) => n is number;
}

type Plain = Record<string, unknown>;

function isPlain(x: unknown): x is Plain {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

const isString = (s: unknown): s is string => typeof s === 'string';

function fastChecks(p: Profile): FastChecks {
  const within = codePointsAtMost(p.textMax);
  const text = (s: unknown): s is string => typeof s === 'string' && within(s);
  const nmWithin = p.nmMax === undefined ? undefined : codePointsAtMost(p.nmMax);
  const max = p.doseMax;
  return {
    text,
    nm: (s: unknown): s is string => typeof s === 'string' && (nmWithin === undefined || nmWithin(s)),
    icao: (s: unknown): s is string => text(s) && ICAO.test(s),
    dose: (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && (max === undefined || n <= max),
  };
}

/** Copies `keys` of `from` that are present (own, not undefined) and pass their check; undefined when one fails. */
function pick(from: Plain, fields: readonly (readonly [key: string, check: (v: unknown) => boolean, required: boolean])[]): Plain | undefined {
  const out: Plain = {};
  for (const [key, check, required] of fields) {
    const value = Object.hasOwn(from, key) ? from[key] : undefined;
    if (value === undefined) {
      if (required) return undefined;
      continue;
    }
    if (!check(value)) return undefined;
    out[key] = value;
  }
  return out;
}

type FieldList = readonly (readonly [string, (v: unknown) => boolean, boolean])[];

interface FastSchema {
  name: FieldList;
  entries: Record<GroupKey, FieldList>;
}

function buildFast(p: Profile): FastSchema {
  const c = fastChecks(p);
  const country = (s: unknown): boolean => typeof s === 'string' && COUNTRY.test(s);
  return {
    name: [
      ['fn', c.text, false],
      ['fnt', c.icao, false],
      ['gn', c.text, false],
      ['gnt', c.icao, false],
    ],
    entries: {
      v: [
        ['tg', isString, true],
        ['vp', isString, true],
        ['mp', isString, true],
        ['ma', isString, true],
        ['dn', c.dose, true],
        ['sd', c.dose, true],
        ['dt', isString, true],
        ['co', country, true],
        ['is', c.text, true],
        ['ci', c.text, true],
      ],
      t: [
        ['tg', isString, true],
        ['tt', isString, true],
        ['nm', c.nm, false],
        ['ma', isString, false],
        ['sc', isString, true],
        ...(p.hasDr ? ([['dr', isString, false]] as const) : []),
        ['tr', isString, true],
        ['tc', c.text, p.tcRequired],
        ['co', country, true],
        ['is', c.text, true],
        ['ci', c.text, true],
      ],
      r: [
        ['tg', isString, true],
        ['fr', isString, true],
        ['co', country, true],
        ['is', c.text, true],
        ['df', isString, true],
        ['du', isString, true],
        ['ci', c.text, true],
      ],
    },
  };
}

const FAST: ReadonlyMap<Profile, FastSchema> = new Map([...SCHEMAS.keys()].map((p) => [p, buildFast(p)] as const));

/** What zod's schemas[group].parse(input) returns, when the checks can tell it succeeds; else undefined. */
function fastParse(profile: Profile, group: GroupKey, input: { ver: unknown; nam: unknown; dob: unknown; entry: unknown }): Dcc | undefined {
  const fast = FAST.get(profile);
  if (!fast || typeof input.ver !== 'string' || typeof input.dob !== 'string' || !profile.dob.test(input.dob)) return undefined;
  if (!isPlain(input.nam) || !isPlain(input.entry)) return undefined;
  const nam = pick(input.nam, fast.name);
  if (!nam) return undefined;
  if (profile.fntRequired ? nam.fnt === undefined : nam.fnt === undefined && nam.gnt === undefined) return undefined;
  const entry = pick(input.entry, fast.entries[group]);
  if (!entry) return undefined;
  return { ver: input.ver, nam: nam as DccName, dob: input.dob, [group]: [entry] } as Dcc;
}

const GROUPS = [
  ['v', 'vaccination'],
  ['t', 'test'],
  ['r', 'recovery'],
] as const;
type GroupKey = (typeof GROUPS)[number][0];

/** Value-set membership per entry field: closed sets make the DCC invalid, open ones warn. */
const CODED: Record<GroupKey, readonly (readonly [field: string, setId: string, closed: boolean])[]> = {
  v: [
    ['tg', 'disease-agent-targeted', true],
    ['vp', 'vaccine-prophylaxis', false],
    ['mp', 'vaccine-medicinal-product', false],
    ['ma', 'vaccine-mah-manf', false],
    ['co', 'country-2-codes', true],
  ],
  t: [
    ['tg', 'disease-agent-targeted', true],
    ['tt', 'test-type', false],
    ['ma', 'test-manf', false],
    ['tr', 'test-result', true],
    ['co', 'country-2-codes', true],
  ],
  r: [
    ['tg', 'disease-agent-targeted', true],
    ['co', 'country-2-codes', true],
  ],
};

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? 'payload' : out;
}

function describe(issue: z.core.$ZodIssue): string {
  // zod's messages name the rule, not the input ("expected string, received number");
  // a missing property reads better as "required".
  const message =
    issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'required' : issue.message;
  return `${pathOf(issue.path)}: ${message}`;
}

/** A code is echoed in a warning only when it looks like a code (it is never personal data). */
function codeForDetail(code: string): string {
  return /^[A-Za-z0-9 ._/-]{1,40}$/.test(code) ? ` "${code}"` : '';
}

/**
 * Validate an EU DCC payload (hcert −260/1 as JSON-compatible data). Never throws: any input
 * gives `{ ok: false, problems }` with one line per violated rule.
 */
export function validateDcc(payload: unknown): DccValidation {
  const warnings: Notice[] = [];
  try {
    return validate(payload, warnings, true);
  } catch {
    // zod does not throw on data, but a hostile object (getters, proxies) could.
    return { ok: false, problems: ['payload: could not be read'], warnings };
  }
}

/** validateDcc without the compiled fast path: zod alone (the fast path's test compares the two). */
export function validateDccWithZod(payload: unknown): DccValidation {
  const warnings: Notice[] = [];
  try {
    return validate(payload, warnings, false);
  } catch {
    return { ok: false, problems: ['payload: could not be read'], warnings };
  }
}

function validate(payload: unknown, warnings: Notice[], fastPath = true): DccValidation {
  if (!isRecord(payload)) return { ok: false, problems: ['payload: expected an object'], warnings };
  const problems: string[] = [];

  const ver = Object.hasOwn(payload, 'ver') ? payload.ver : undefined;
  let profile = NEWEST;
  if (typeof ver !== 'string') {
    problems.push(ver === undefined ? 'ver: required' : 'ver: expected a string');
  } else {
    const m = VER.exec(ver);
    if (!m) problems.push('ver: not a version (x.y.z)');
    else if (m[1] !== '1') problems.push(`ver: unsupported major version ${m[1]}`);
    else {
      const known = PROFILES.get(ver);
      if (known) profile = known;
      else warnings.push({ code: 'SCHEMA_VERSION_UNKNOWN', detail: `ver ${ver}; validated as ${NEWEST_SCHEMA_VERSION}` });
    }
  }

  const present: GroupKey[] = [];
  const nulls: GroupKey[] = [];
  for (const [key] of GROUPS) {
    if (!Object.hasOwn(payload, key)) continue;
    const value = payload[key];
    if (value === null || value === undefined) nulls.push(key);
    else present.push(key);
  }
  if (present.length !== 1) {
    problems.push(
      present.length === 0
        ? 'payload: one of v, t, r is required'
        : `payload: exactly one of v, t, r is allowed (found ${present.join(', ')})`,
    );
    return { ok: false, problems, warnings };
  }
  const group = present[0] as GroupKey;
  if (nulls.length > 0) warnings.push({ code: 'NULL_ENTRY_IGNORED', detail: `${nulls.join(', ')} set to null` });

  const entries = payload[group];
  if (!Array.isArray(entries)) {
    problems.push(`${group}: expected an array`);
    return { ok: false, problems, warnings };
  }
  if (entries.length !== 1) {
    // Checked before zod so a huge array is never walked.
    problems.push(`${group}: must hold exactly one entry (has ${entries.length})`);
    return { ok: false, problems, warnings };
  }

  // Problems found so far (an unreadable `ver`) fail the payload, and zod lists the rest.
  let data = fastPath && problems.length === 0 ? fastParse(profile, group, { ver: payload.ver, nam: payload.nam, dob: payload.dob, entry: entries[0] }) : undefined;
  if (!data) {
    const schemas = SCHEMAS.get(profile) ?? buildSchemas(profile);
    const input = { ver: payload.ver, nam: payload.nam, dob: payload.dob, [group]: entries };
    const parsed = schemas[group].safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(describe(issue));
      return { ok: false, problems, warnings };
    }
    data = parsed.data as Dcc;
  }

  const entry = (data as unknown as Record<GroupKey, [Record<string, unknown>]>)[group][0];
  for (const [field, setId, closed] of CODED[group]) {
    const code = entry[field];
    const member = field === 'co' ? isCountryOfEntry(code) : inValueSet(setId, code);
    if (typeof code !== 'string' || member) continue;
    if (group === 't' && field === 'ma' && code === '') continue;
    if (closed) problems.push(`${group}[0].${field}: not in value set ${setId}`);
    else warnings.push({ code: 'VALUE_NOT_IN_VALUE_SET', detail: `${group}[0].${field}${codeForDetail(code)} not in ${setId}` });
  }
  if (problems.length > 0) return { ok: false, problems, warnings };

  const type = GROUPS.find(([k]) => k === group)?.[1] ?? 'vaccination';
  return { ok: true, dcc: data, type, warnings };
}
