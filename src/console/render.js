// Builds the verdict card from a report (contract "POST /v1/verify"). Everything from the
// certificate goes in through text nodes, never parsed as markup (security research §2.7 U-4); names
// are cleaned for display and flagged when they carry tricks (§2.7 U-1, U-2, U-5).
import { REASON_FALLBACK, locale, t } from './i18n.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

// Icons drawn as SVG paths, so that no icon font or emoji font is needed (works offline).
const ICONS = {
  ok: ['M5 12.5l4.5 4.5L19 7.5'],
  warn: ['M12 3L2 21h20z', 'M12 10v5', 'M12 18v.5'],
  cross: ['M6 6l12 12', 'M18 6L6 18'],
  stop: ['M8 2h8l6 6v8l-6 6H8l-6-6V8z', 'M8 8l8 8', 'M16 8l-8 8'],
  minus: ['M4 4h16v16H4z', 'M8 12h8'],
};

export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name] ?? []) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

const STATUS_ICON = { GREEN: 'ok', YELLOW: 'warn', RED: 'minus', BLACK: 'stop', INVALID: 'cross' };

// ---- dates ---------------------------------------------------------------------------------

/** YYYY, YYYY-MM or YYYY-MM-DD as written in a certificate: calendar dates, no time zone. */
export function formatDate(value, lang) {
  if (typeof value !== 'string' || value === '') return t(lang, 'none');
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!m) return value;
  const [, y, mo, d] = m;
  const date = new Date(Date.UTC(Number(y), mo ? Number(mo) - 1 : 0, d ? Number(d) : 1));
  if (Number.isNaN(date.getTime())) return value;
  const opts = { timeZone: 'UTC', year: 'numeric' };
  if (mo) opts.month = 'long';
  if (d) opts.day = 'numeric';
  return new Intl.DateTimeFormat(locale(lang), opts).format(date);
}

/** An instant (RFC 3339) in the officer's local time, with the zone named. */
export function formatInstant(value, lang) {
  if (typeof value !== 'string' || value === '') return t(lang, 'none');
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value)) return formatDate(value, lang);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(lang), {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

// ---- names ---------------------------------------------------------------------------------

// C0/C1 controls, ALM, zero-width and joiners, bidi embeddings/overrides/isolates, BOM.
const HIDDEN_TEST = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
const HIDDEN_ALL = new RegExp(HIDDEN_TEST.source, 'gu');
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Cherokee'].map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')]);
const MAX_NAME = 80;

/** A name made safe to show, and the reasons it needed care (as i18n keys). */
export function cleanName(raw) {
  const flags = [];
  let text = String(raw ?? '').normalize('NFC');
  if (HIDDEN_TEST.test(text)) {
    flags.push('nameWarnHidden');
    text = text.replace(HIDDEN_ALL, '');
  }
  if (/\p{M}{3,}/u.test(text)) {
    flags.push('nameWarnMarks');
    text = text.replace(/(\p{M}{2})\p{M}+/gu, '$1');
  }
  // Look-alike letters hide in names that mix scripts of similar shape (Latin А vs Cyrillic А).
  const used = SCRIPTS.filter(([, re]) => re.test(text)).length;
  if (used > 1) flags.push('nameWarnMixed');
  const chars = [...text];
  if (chars.length > MAX_NAME) {
    flags.push('nameWarnLong');
    text = `${chars.slice(0, MAX_NAME).join('')}…`;
  }
  return { text, flags };
}

// ---- card ----------------------------------------------------------------------------------

function row(label, value, opts = {}) {
  if (value === undefined || value === null || value === '') return null;
  const dd = el('dd', { class: opts.class, lang: opts.lang, dir: opts.dir });
  dd.append(value instanceof Node ? value : String(value));
  return el('div', { class: 'row' }, el('dt', {}, label), dd);
}

function section(title, id, ...rows) {
  const kept = rows.flat().filter(Boolean);
  if (kept.length === 0) return null;
  return el('section', { class: `card-section ${id}`, 'aria-labelledby': id }, el('h3', { id }, title), el('dl', {}, kept));
}

function coded(value) {
  if (!value || typeof value !== 'object') return typeof value === 'string' ? value : null;
  return value.display ? value.display : value.code ?? null;
}

function country(code, name) {
  if (!code) return null;
  return name ? `${name} (${code})` : code;
}

function reasonsOf(report, lang) {
  const d = report.domestic ?? {};
  if (report.outcome === 'INVALID' && Array.isArray(report.errors) && report.errors.length > 0) {
    return report.errors.map((e) => e.message || e.code);
  }
  const codes = Array.isArray(d.reasons) ? d.reasons : [];
  if (Array.isArray(d.reasonTexts) && d.reasonTexts.length === codes.length && codes.length > 0) return d.reasonTexts;
  const table = REASON_FALLBACK[lang] ?? REASON_FALLBACK.en;
  return codes.map((c) => (Object.hasOwn(table, c) ? table[c] : c));
}

function verdict(report, lang) {
  const status = report.domestic?.status ?? (report.outcome === 'VALID' ? 'RED' : 'INVALID');
  const reasons = reasonsOf(report, lang);
  const head = el(
    'div',
    { class: 'verdict-head' },
    icon(STATUS_ICON[status] ?? 'minus', 'verdict-icon'),
    el(
      'div',
      { class: 'verdict-words' },
      el('p', { class: 'verdict-status', 'data-testid': 'status' }, t(lang, `status.${status}`)),
      el('p', { class: 'verdict-meaning' }, t(lang, `meaning.${status}`)),
    ),
  );
  const reasonList = el(
    'ul',
    { class: 'verdict-reasons', 'aria-label': t(lang, status === 'INVALID' ? 'whyInvalid' : 'reasonLabel') },
    reasons.map((r) => el('li', {}, r)),
  );
  const parts = [head, reasonList];
  if (status !== 'INVALID') {
    const until = report.domestic?.validUntil;
    parts.push(
      el('p', { class: 'verdict-until' }, el('span', { class: 'label' }, `${t(lang, 'validUntil')}: `), until ? formatInstant(until, lang) : t(lang, 'noEnd')),
    );
  }
  return { status, reasons, node: el('div', { class: `verdict verdict-${status}`, 'data-status': status }, parts) };
}

function holderSection(report, lang) {
  const h = report.holder;
  if (!h) return null;
  const family = cleanName(h.familyName ?? '');
  const given = cleanName(h.givenName ?? '');
  const original = [family.text, given.text].filter(Boolean).join(', ');
  const fnt = h.familyNameStd ?? '';
  const gnt = h.givenNameStd ?? '';
  const icao = gnt ? `${fnt}<<${gnt}` : fnt;
  const flags = new Set([...family.flags, ...given.flags]);
  if (icao && !/^[A-Z<]*$/.test(icao)) flags.add('nameWarnIcao');
  const icaoShown = cleanName(icao);
  const warnings = [...flags].map((f) => el('p', { class: 'name-warning' }, icon('warn', 'icon'), el('span', {}, t(lang, f))));
  return section(
    t(lang, 'holder'),
    'holder',
    row(t(lang, 'nameOriginal'), original, { class: 'holder-name', dir: 'auto' }),
    row(t(lang, 'nameIcao'), icaoShown.text, { class: 'holder-icao', lang: 'en' }),
    row(t(lang, 'dob'), formatDate(h.dateOfBirth, lang)),
    warnings.length ? el('div', { class: 'row row-wide' }, warnings) : null,
  );
}

/** The links of a certificate (hcert −260/5) as text, never as anchors: the console opens nothing. */
function healthLinksRow(c, lang) {
  const links = Array.isArray(c.healthLinks) ? c.healthLinks.filter((l) => typeof l === 'string') : [];
  if (links.length === 0) return null;
  const shown = el('ul', { class: 'health-links mono small' }, links.map((l) => el('li', {}, l.length > 72 ? `${l.slice(0, 72)}…` : l)));
  return row(t(lang, 'healthLinks'), shown);
}

/**
 * A WHO digital vaccination certificate / digital ICVP (contract `WHO_DVC`): disease first, the
 * product from the ICVP catalogue, the date, and "valid from" as the policy says it (yellow fever:
 * 10 days after vaccination, then for life), else the certificate's own validity window.
 */
function dvcSection(report, lang) {
  const c = report.certificate;
  const validFrom = report.domestic?.validFrom;
  const issuing = typeof c.issuerCountry === 'string' ? country(c.issuerCountry, c.issuerCountryName) : null;
  return section(
    t(lang, 'certificate'),
    'certificate',
    row(t(lang, 'type'), t(lang, 'type.icvp')),
    row(t(lang, 'disease'), coded(c.disease), { class: 'strong dvc-disease' }),
    row(t(lang, 'vaccine'), coded(c.product), { class: 'strong dvc-product' }),
    row(t(lang, 'vaccineType'), coded(c.vaccine)),
    row(t(lang, 'manufacturer'), coded(c.manufacturer)),
    row(t(lang, 'dose'), typeof c.dose === 'string' ? c.dose : null),
    row(t(lang, 'vaccinationDate'), c.date ? formatDate(c.date, lang) : null, { class: 'strong dvc-date' }),
    validFrom ? row(t(lang, 'validFrom'), formatDate(String(validFrom).slice(0, 10), lang), { class: 'strong dvc-valid-from' }) : null,
    validFrom ? null : row(t(lang, 'certValidFrom'), c.validFrom ? formatDate(c.validFrom, lang) : null),
    validFrom ? null : row(t(lang, 'certValidUntil'), c.validUntil ? formatDate(c.validUntil, lang) : null),
    row(t(lang, 'batch'), c.batch, { class: 'mono' }),
    row(t(lang, 'issuingCountry'), issuing, { class: 'dvc-country' }),
    row(t(lang, 'issuer'), c.issuer),
    row(t(lang, 'clinician'), c.clinician),
    row(t(lang, 'nationality'), typeof c.nationality === 'string' ? country(c.nationality, c.nationalityName) : null),
    healthLinksRow(c, lang),
  );
}

function certificateSection(report, lang) {
  const c = report.certificate;
  if (!c || typeof c !== 'object') return null;
  if (report.format === 'WHO_DVC') return dvcSection(report, lang);
  const rows = [row(t(lang, 'type'), c.type ? t(lang, `type.${c.type}`) : null), row(t(lang, 'disease'), coded(c.disease))];
  if (c.type === 'vaccination') {
    const dn = c.doseNumber;
    const sd = c.totalDoses;
    const dose = Number.isFinite(dn) && Number.isFinite(sd) ? `${dn}/${sd}` : c.dose;
    rows.push(
      row(t(lang, 'vaccine'), coded(c.product), { class: 'strong' }),
      row(t(lang, 'dose'), dose, { class: 'strong' }),
      row(t(lang, 'doseDate'), c.date ? formatDate(c.date, lang) : null),
      row(t(lang, 'vaccineType'), coded(c.vaccine) ?? coded(c.prophylaxis)),
      row(t(lang, 'manufacturer'), coded(c.manufacturer)),
    );
  } else if (c.type === 'test') {
    const result = coded(c.result);
    const word = c.positive === true ? t(lang, 'positive') : c.positive === false ? t(lang, 'negative') : null;
    rows.push(
      row(t(lang, 'testType'), coded(c.testType), { class: 'strong' }),
      row(t(lang, 'testResult'), [word, result].filter(Boolean).join(' · '), { class: c.positive ? 'strong alert' : 'strong' }),
      row(t(lang, 'sampledAt'), c.sampledAt ? formatInstant(c.sampledAt, lang) : null),
      row(t(lang, 'testName'), c.testName),
      row(t(lang, 'manufacturer'), coded(c.manufacturer)),
      row(t(lang, 'centre'), c.centre),
    );
  } else if (c.type === 'recovery') {
    rows.push(
      row(t(lang, 'firstPositive'), c.firstPositive ? formatDate(c.firstPositive, lang) : null),
      row(t(lang, 'validFrom'), c.validFrom ? formatDate(c.validFrom, lang) : null),
      row(t(lang, 'certValidUntil'), c.validUntil ? formatDate(c.validUntil, lang) : null, { class: 'strong' }),
    );
  }
  const countryCode = typeof c.country === 'string' ? c.country : coded(c.country);
  rows.push(
    row(t(lang, 'eventCountry'), country(countryCode, c.countryName)),
    row(t(lang, 'issuer'), c.issuer),
    row(t(lang, 'certificateId'), c.certificateId, { class: 'mono' }),
    healthLinksRow(c, lang),
  );
  return section(t(lang, 'certificate'), 'certificate', rows);
}

function signerSection(report, lang) {
  const s = report.signer;
  const issuerCountry = report.certificate?.issuerCountry;
  return section(
    t(lang, 'signerSection'),
    'signer',
    row(t(lang, 'issuingCountry'), issuerCountry),
    s ? row(t(lang, 'signerCountry'), s.country) : null,
    s ? row(t(lang, 'kid'), s.kid, { class: 'mono' }) : null,
    s ? row(t(lang, 'source'), s.source) : null,
    s ? row(t(lang, 'algorithm'), s.algorithm) : null,
    s ? row(t(lang, 'subject'), s.subject, { class: 'small' }) : null,
  );
}

function validitySection(report, lang, meta) {
  return section(
    t(lang, 'validity'),
    'validity',
    row(t(lang, 'issuedAt'), report.issuedAt ? formatInstant(report.issuedAt, lang) : null),
    row(t(lang, 'expiresAt'), report.expiresAt ? formatInstant(report.expiresAt, lang) : null),
    row(t(lang, 'format'), report.format),
    row(t(lang, 'policy'), report.domestic?.policy),
    row(t(lang, 'checkedAt'), meta.checkedAt ? formatInstant(meta.checkedAt, lang) : null),
    row(t(lang, 'requestId'), meta.requestId, { class: 'mono small' }),
  );
}

function listSection(title, id, items, cls, field = 'message') {
  if (!Array.isArray(items) || items.length === 0) return null;
  return el(
    'section',
    { class: `card-section ${cls}`, 'aria-labelledby': id },
    el('h3', { id }, title),
    el('ul', { class: 'messages' }, items.map((m) => el('li', {}, el('span', { class: 'code' }, m.code ?? ''), ' ', m[field] ?? m.message ?? ''))),
  );
}

function checksSection(report, lang) {
  const checks = Array.isArray(report.checks) ? report.checks : [];
  const list =
    checks.length === 0
      ? el('p', { class: 'muted' }, t(lang, 'checksNone'))
      : el(
          'ul',
          { class: 'checks' },
          checks.map((c) => {
            // A check the format cannot make is "not applicable", never shown as a pass.
            const na = c.passed && c.applies === false;
            const state = na ? 'na' : c.passed ? 'pass' : 'fail';
            return el(
              'li',
              { class: `check ${state}`, 'data-check': c.name, 'data-state': state },
              icon(na ? 'minus' : c.passed ? 'ok' : 'cross', 'icon'),
              el('span', { class: 'check-result' }, t(lang, na ? 'notApplicable' : c.passed ? 'passed' : 'failed')),
              el('span', { class: 'check-name' }, t(lang, `check.${c.name}`) === `check.${c.name}` ? c.name : t(lang, `check.${c.name}`)),
              na && c.reason ? el('span', { class: 'muted' }, t(lang, `reason.${c.reason}`) === `reason.${c.reason}` ? c.reason : t(lang, `reason.${c.reason}`)) : null,
              c.code ? el('span', { class: 'code' }, c.code) : null,
            );
          }),
        );
  return el('section', { class: 'card-section', 'aria-labelledby': 'sec-checks' }, el('h3', { id: 'sec-checks' }, t(lang, 'checks')), list);
}

function rulesSection(report, lang) {
  const r = report.rules;
  if (!r) return null;
  const items = [...(r.failed ?? []).map((f) => ({ code: f.identifier, message: f.description ?? '' })), ...(r.open ?? []).map((f) => ({ code: f.identifier, message: f.description ?? '' }))];
  return el(
    'section',
    { class: 'card-section', 'aria-labelledby': 'sec-rules' },
    el('h3', { id: 'sec-rules' }, `${t(lang, 'rules')} (${r.arrivalCountry}): ${r.result}`),
    items.length ? el('ul', { class: 'messages' }, items.map((m) => el('li', {}, el('span', { class: 'code' }, m.code), ' ', m.message))) : null,
  );
}

/**
 * The whole card for a report. `meta`: { checkedAt?: string, requestId?: string }.
 * Returns the card and the words for the screen-reader announcement.
 */
export function renderCard(report, lang, meta = {}) {
  const v = verdict(report, lang);
  const card = el(
    'article',
    { class: `card card-${v.status}`, id: 'card', 'data-status': v.status, 'aria-labelledby': 'card-title' },
    el('h2', { id: 'card-title', class: 'visually-hidden' }, `${t(lang, 'resultTitle')}: ${t(lang, `status.${v.status}`)}`),
    v.node,
    // The banner already says why in plain words; here the codes and technical detail.
    listSection(t(lang, 'problems'), 'sec-errors', report.errors, 'errors', 'detail'),
    el(
      'div',
      { class: 'card-grid' },
      holderSection(report, lang),
      certificateSection(report, lang),
      signerSection(report, lang),
      validitySection(report, lang, meta),
    ),
    checksSection(report, lang),
    listSection(t(lang, 'warnings'), 'sec-warnings', report.warnings, 'warnings'),
    rulesSection(report, lang),
  );
  return { card, announcement: t(lang, 'announce', { status: t(lang, `status.${v.status}`), reason: v.reasons.join(' ') }) };
}
