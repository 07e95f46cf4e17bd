// The officer console's behaviour: three ways in (camera, pasted text, uploaded image), the
// verdict card, the language toggle. No framework, no CDN, no inline script (CSP script-src
// 'self'). Only the chosen language is stored in the browser; the last certificate lives in
// memory until the next scan, Clear, or five idle minutes (security research §3.7).
import { LANGS, t } from './i18n.js';
import { el, renderCard } from './render.js';

const LANG_KEY = 'lintas.console.lang';
const IDLE_CLEAR_MS = 5 * 60 * 1000;
const MAX_UPLOAD = 5 * 1024 * 1024;

const $ = (id) => document.getElementById(id);

const state = {
  lang: 'id',
  /** The last input, kept in memory only to re-ask in another language: {kind, qr | blob+type}. */
  last: null,
  report: null,
  meta: {},
  problem: null,
  /** The signed receipt (compact JWS) of the verdict shown, once the officer asked for it. */
  receipt: null,
  samples: [],
  idleTimer: 0,
  seq: 0,
};

// ---- language ------------------------------------------------------------------------------

function initialLang() {
  try {
    const stored = localStorage.getItem(LANG_KEY);
    if (LANGS.includes(stored)) return stored;
  } catch {
    // storage may be disabled; the default applies
  }
  // Indonesian first (the service's home), unless the browser asks for English only.
  const prefs = navigator.languages ?? [navigator.language];
  const firstKnown = prefs.map((l) => String(l).slice(0, 2).toLowerCase()).find((l) => LANGS.includes(l));
  return firstKnown === 'en' && !prefs.some((l) => String(l).toLowerCase().startsWith('id')) ? 'en' : 'id';
}

function applyStaticTexts() {
  document.documentElement.lang = state.lang;
  document.title = `Lintas — ${t(state.lang, 'appTitle')}`;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(state.lang, node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(state.lang, node.dataset.i18nAriaLabel));
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  $('lang-group').setAttribute('aria-label', t(state.lang, 'langGroup'));
  renderSamples();
}

async function setLang(lang) {
  if (!LANGS.includes(lang) || lang === state.lang) return;
  state.lang = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // not remembered; still switched
  }
  applyStaticTexts();
  // The server words errors and reasons in the asked language: ask again.
  if (state.last && state.report) await run(state.last, { keepInput: true });
  else renderResult();
}

// ---- result area ---------------------------------------------------------------------------

function clearResult() {
  state.report = null;
  state.meta = {};
  state.problem = null;
  state.last = null;
  state.receipt = null;
  clearTimeout(state.idleTimer);
  $('card-slot').replaceChildren();
  $('announce').textContent = '';
  renderResult();
}

function renderResult() {
  const slot = $('card-slot');
  const problem = $('problem');
  $('placeholder').hidden = Boolean(state.report || state.problem);
  problem.hidden = !state.problem;
  problem.replaceChildren();
  if (state.problem) {
    const p = state.problem;
    const key = `problem.${p.code}`;
    const known = t(state.lang, key) !== key;
    problem.append(el('p', {}, known ? t(state.lang, key, { detail: p.detail ?? '', status: p.status ?? '' }) : t(state.lang, 'problem.OTHER', { status: p.status ?? '?' })));
    if (p.code && !p.code.startsWith('NETWORK') && p.code !== 'EMPTY') problem.append(el('p', { class: 'code' }, p.code));
  }
  if (state.report) {
    const { card, announcement } = renderCard(state.report, state.lang, state.meta);
    slot.replaceChildren(card);
    $('announce').textContent = announcement;
  } else {
    slot.replaceChildren();
  }
  renderReceipt();
}

function setBusy(on) {
  $('busy').hidden = !on;
  $('result').setAttribute('aria-busy', String(on));
  for (const id of ['paste-submit', 'sample-submit', 'qr-file']) $(id).disabled = on;
}

function armIdleClear() {
  clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(clearResult, IDLE_CLEAR_MS);
}

function revealResult() {
  // On a phone the card is below the inputs: bring it into view without stealing focus (a
  // handheld scanner keeps typing into the text box for the next traveller).
  const top = $('result').getBoundingClientRect().top;
  const oneColumn = window.matchMedia('(max-width: 959px)').matches;
  if (oneColumn ? Math.abs(top) > 8 : top > window.innerHeight * 0.6 || top < 0) $('result').scrollIntoView({ block: 'start' });
}

// ---- verification --------------------------------------------------------------------------

async function readProblem(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    // not a problem document
  }
  return { status: res.status, code: typeof body.code === 'string' ? body.code : '', detail: typeof body.detail === 'string' ? body.detail : '' };
}

/**
 * Sends one input. `input.at` is sent only when given: the server's clock, not this device's,
 * decides validity (an officer's tablet may be set wrong).
 */
async function run(input, opts = {}) {
  const seq = ++state.seq;
  if (!opts.keepInput) {
    // A new scan: the previous traveller's card goes first.
    state.report = null;
    state.problem = null;
    state.receipt = null;
    state.meta = {};
    renderResult();
  }
  setBusy(true);
  const headers = { 'Accept-Language': state.lang, Accept: 'application/json', ...authHeader() };
  let res;
  try {
    if (input.kind === 'text') {
      res = await fetch('/v1/verify', {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(input.at ? { qr: input.qr, at: input.at } : { qr: input.qr }),
        cache: 'no-store',
        credentials: 'same-origin',
      });
    } else {
      const query = input.at ? `?at=${encodeURIComponent(input.at)}` : '';
      res = await fetch(`/v1/verify/image${query}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': input.type },
        body: input.blob,
        cache: 'no-store',
        credentials: 'same-origin',
      });
    }
  } catch {
    if (seq !== state.seq) return;
    setBusy(false);
    state.problem = { code: 'NETWORK', status: 0 };
    renderResult();
    return;
  }
  if (seq !== state.seq) return; // a newer scan has started
  if (!res.ok) {
    state.problem = await readProblem(res);
    state.report = null;
    state.last = null;
    setBusy(false);
    renderResult();
    revealResult();
    return;
  }
  const report = await res.json();
  if (seq !== state.seq) return;
  // The report says when it was checked; older servers only give the Date header.
  const serverDate = res.headers.get('Date');
  const checkedAt = report?.checkedAt ?? input.at ?? (serverDate ? new Date(serverDate).toISOString() : new Date().toISOString());
  state.last = input;
  state.report = report;
  state.problem = null;
  state.meta = { checkedAt, requestId: res.headers.get('X-Request-Id') ?? undefined };
  setBusy(false);
  renderResult();
  revealResult();
  armIdleClear();
}

function verifyText(qr) {
  const text = qr.trim();
  if (!text) {
    state.problem = { code: 'EMPTY' };
    state.report = null;
    renderResult();
    return Promise.resolve();
  }
  return run({ kind: 'text', qr: text });
}

async function sniffType(blob) {
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  return null;
}

async function verifyFile(file) {
  if (file.size > MAX_UPLOAD) {
    state.problem = { code: 'BODY_TOO_LARGE', status: 413 };
    state.report = null;
    renderResult();
    return;
  }
  const type = (await sniffType(file)) ?? (['image/png', 'image/jpeg'].includes(file.type) ? file.type : null);
  if (!type) {
    state.problem = { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 };
    state.report = null;
    renderResult();
    return;
  }
  await run({ kind: 'image', blob: file, type });
}

// ---- receipt QR ------------------------------------------------------------------------------
// A second desk re-checks a verdict without the traveller's certificate: the service signs a
// receipt (contract `receipt`: outcome, status, policy, time, snapshot, a hash of the QR — no
// name, no date of birth) and the page draws it as a QR code itself (qrcode-generator served
// from node_modules at /vendor/qrcode.js; no CDN, CSP script-src 'self'). Only for a verdict
// whose QR text the page holds (scan, paste, sample); an uploaded image is sent as it is.

function loadQrGenerator() {
  if (window.qrcode) return Promise.resolve(window.qrcode);
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/vendor/qrcode.js';
    s.onload = () => (window.qrcode ? resolve(window.qrcode) : reject(new Error('qrcode missing')));
    s.onerror = () => reject(new Error('qrcode failed to load'));
    document.head.append(s);
  });
}

function drawQr(canvas, qrcode, text) {
  const code = qrcode(0, 'L');
  code.addData(text, 'Byte');
  code.make();
  const modules = code.getModuleCount();
  const cell = 4;
  const quiet = 4; // the quiet zone QR readers need, in modules
  const size = (modules + quiet * 2) * cell;
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#000000';
  for (let r = 0; r < modules; r++) {
    for (let c = 0; c < modules; c++) if (code.isDark(r, c)) ctx.fillRect((c + quiet) * cell, (r + quiet) * cell, cell, cell);
  }
}

function renderReceipt() {
  const panel = $('receipt-panel');
  const canvas = $('receipt-qr');
  panel.hidden = !(state.report && state.last?.kind === 'text');
  if (!state.receipt) {
    canvas.hidden = true;
    canvas.width = 0;
    canvas.height = 0;
    delete canvas.dataset.ready;
  }
  if (panel.hidden) $('receipt-status').textContent = '';
}

async function requestReceipt() {
  const input = state.last;
  if (!state.report || input?.kind !== 'text') return;
  const seq = state.seq;
  const status = $('receipt-status');
  status.textContent = t(state.lang, 'receiptBusy');
  let res;
  try {
    // The same `at` as the verdict shown, so the receipt states that verdict.
    const at = state.meta.checkedAt ?? input.at;
    res = await fetch('/v1/verify', {
      method: 'POST',
      headers: { 'Accept-Language': state.lang, Accept: 'application/json', 'Content-Type': 'application/json', ...authHeader() },
      body: JSON.stringify({ qr: input.qr, ...(at ? { at } : {}), receipt: true }),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    if (seq === state.seq) status.textContent = t(state.lang, 'problem.NETWORK');
    return;
  }
  if (seq !== state.seq) return; // another traveller is on screen now
  const body = res.ok ? await res.json().catch(() => ({})) : {};
  if (!res.ok || typeof body.receipt !== 'string') {
    status.textContent = t(state.lang, 'receiptFailed', { status: res.status });
    return;
  }
  let qrcode;
  try {
    qrcode = await loadQrGenerator();
  } catch {
    status.textContent = t(state.lang, 'receiptFailed', { status: 'qr' });
    return;
  }
  if (seq !== state.seq) return;
  state.receipt = body.receipt;
  const canvas = $('receipt-qr');
  drawQr(canvas, qrcode, state.receipt);
  canvas.hidden = false;
  canvas.dataset.ready = 'true';
  status.textContent = t(state.lang, 'receiptShown');
  armIdleClear();
}

// ---- camera --------------------------------------------------------------------------------

const camera = { stream: null, timer: 0, detector: null, canvas: null, busy: false };

function loadJsQr() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/vendor/jsQR.js';
    s.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error('jsQR missing')));
    s.onerror = () => reject(new Error('jsQR failed to load'));
    document.head.append(s);
  });
}

async function makeDetector() {
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const d = new window.BarcodeDetector({ formats: ['qr_code'] });
        return async (video) => (await d.detect(video))[0]?.rawValue ?? null;
      }
    } catch {
      // fall back to jsQR
    }
  }
  const jsQR = await loadJsQr();
  camera.canvas ??= document.createElement('canvas');
  const ctx = camera.canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) return null;
    const scale = Math.min(1, 800 / Math.max(w, h));
    camera.canvas.width = Math.round(w * scale);
    camera.canvas.height = Math.round(h * scale);
    ctx.drawImage(video, 0, 0, camera.canvas.width, camera.canvas.height);
    const img = ctx.getImageData(0, 0, camera.canvas.width, camera.canvas.height);
    return jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
  };
}

function setCameraStatus(key) {
  $('camera-status').textContent = key ? t(state.lang, key) : '';
}

async function startCamera() {
  if (!navigator.mediaDevices?.getUserMedia) {
    setCameraStatus('cameraUnavailable');
    return;
  }
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch {
    setCameraStatus('cameraDenied');
    return;
  }
  const video = $('camera-video');
  video.srcObject = camera.stream;
  video.hidden = false;
  await video.play().catch(() => {});
  $('camera-start').hidden = true;
  $('camera-stop').hidden = false;
  $('camera-stop').focus();
  setCameraStatus('cameraScanning');
  try {
    camera.detector = await makeDetector();
  } catch {
    stopCamera();
    setCameraStatus('cameraUnavailable');
    return;
  }
  const tick = async () => {
    if (!camera.stream || camera.busy) return;
    camera.busy = true;
    let text = null;
    try {
      text = await camera.detector(video);
    } catch {
      text = null;
    }
    camera.busy = false;
    if (text && camera.stream) {
      stopCamera();
      await run({ kind: 'text', qr: text });
    }
  };
  camera.timer = setInterval(tick, 200);
}

function stopCamera() {
  clearInterval(camera.timer);
  camera.timer = 0;
  for (const track of camera.stream?.getTracks() ?? []) track.stop();
  camera.stream = null;
  const video = $('camera-video');
  video.srcObject = null;
  video.hidden = true;
  const hadFocus = document.activeElement === $('camera-stop');
  $('camera-stop').hidden = true;
  $('camera-start').hidden = false;
  if (hadFocus) $('camera-start').focus();
  setCameraStatus('');
}

// ---- access key ----------------------------------------------------------------------------

// With CLIENTS_FILE set, /v1 needs a bearer key. It lives in this page's memory only: never in
// browser storage, so closing or reloading the page forgets it.
let apiKey = '';

function authHeader() {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

function bindKeyForm() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    apiKey = $('api-key').value.trim();
    $('api-key').value = '';
    loadSamples();
  });
}

// ---- samples -------------------------------------------------------------------------------

async function loadSamples() {
  try {
    const res = await fetch('/v1/samples', { cache: 'no-store', headers: authHeader() });
    if (!res.ok) return;
    const body = await res.json();
    state.samples = Array.isArray(body.samples) ? body.samples.filter((s) => typeof s.qr === 'string' && s.qr) : [];
  } catch {
    state.samples = [];
  }
  renderSamples();
}

function renderSamples() {
  const form = $('samples-form');
  const select = $('sample-select');
  form.hidden = state.samples.length === 0;
  const chosen = select.value;
  select.replaceChildren(
    ...state.samples.map((s) => el('option', { value: s.id }, `${s.title?.[state.lang] ?? s.title?.en ?? s.id} — ${s.expect ?? ''}`)),
  );
  if (chosen) select.value = chosen;
}

// ---- wiring --------------------------------------------------------------------------------

function wire() {
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => void setLang(b.dataset.lang));

  const text = $('qr-text');
  $('paste-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = text.value;
    text.value = ''; // nothing of the traveller stays in the box
    void verifyText(value);
  });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('paste-form').requestSubmit();
    }
  });

  const file = $('qr-file');
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (chosen) void verifyFile(chosen);
  });
  $('upload-form').addEventListener('submit', (e) => e.preventDefault());

  $('samples-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const s = state.samples.find((x) => x.id === $('sample-select').value);
    if (s) void verifyText(s.qr);
  });

  $('camera-start').addEventListener('click', () => void startCamera());
  $('receipt-button').addEventListener('click', () => void requestReceipt());
  $('camera-stop').addEventListener('click', stopCamera);
  $('clear').addEventListener('click', () => {
    clearResult();
    text.focus();
  });
  // Leaving the page stops the camera; a restored page (back/forward cache) shows no old card.
  window.addEventListener('pagehide', () => {
    stopCamera();
    clearResult();
  });
}

state.lang = initialLang();
wire();
bindKeyForm();
applyStaticTexts();
renderResult();
void loadSamples();
document.documentElement.dataset.ready = 'true';
