/* intoss 콘솔 — vanilla ES2020, no framework, no inline script/style (strict CSP).
 *
 * Test ids (data-testid; elements that are unique also have the same id):
 *   status-line                 status / error line under the header
 *   nav-overview nav-apps nav-idv nav-logout
 *   login-token login-submit login-error
 *   confirm-dialog confirm-message confirm-ok confirm-cancel   (in-page confirmation <dialog>)
 * 개요 (#/overview)
 *   overview-app-row[data-app]  one row per app; inside: overview-chart (svg), overview-total, overview-limited
 *   expiring-row[data-serial]   one row per expiring certificate; inside: badge-expiry
 * 앱 (#/apps)
 *   app-create-name app-create-qpm app-create-allow-ips app-create-submit
 *   app-create-error-name app-create-error-qpm app-create-error-allow_ips app-create-error  (field / form errors)
 *   app-row[data-app] (click opens #/apps/NAME), app-link[data-app]
 * 앱 상세 (#/apps/NAME, #/apps/NAME/certs scrolls to the certificates)
 *   tab-settings tab-certs       jump links to the two sections (both are always shown)
 *   app-qpm app-allow-ips app-save app-save-error-qpm app-save-error-allow_ips app-save-error
 *   cert-key-type (rsa2048|p256) cert-issue ("+ 발급받기")
 *   cert-notice cert-redownload-cert cert-redownload-key   (after issuing; the key lives in a JS variable
 *                                                          until another page is shown)
 *   cert-csr-text cert-csr-file cert-csr-submit cert-csr-error
 *   cert-row[data-serial] cert-status[data-status] cert-revoke[data-serial]
 *   ca-download (after an issue in this page session; before that the hint ca-hint) usage-curl usage-python usage-node
 *   토스페이 (#/apps/NAME/pay): pay-reading (TRUE_IS_TEST|FALSE_IS_TEST) pay-refuse-live pay-ttl pay-save
 *   pay-save-error pay-error-approval_ttl_secs, pay-row[data-pay-token] pay-status[data-status] pay-detail[data-pay-token]
 *   (click a row) pay-tx-row[data-step]; pay-empty
 *   인앱 결제 (#/apps/NAME/iap): iap-sku iap-name iap-price iap-add iap-add-error iap-error-sku iap-error-name
 *   iap-error-price, iap-product-row[data-sku] iap-product-delete[data-sku], iap-order-row[data-order-id]
 *   iap-order-status[data-status]; iap-products-empty iap-orders-empty
 *   메시지 (#/apps/NAME/messages): msg-code msg-title msg-body msg-push msg-inbox msg-add msg-add-error
 *   msg-error-template_set_code msg-error-title msg-error-body msg-error-push, msg-template-row[data-code]
 *   msg-template-status[data-status] msg-approve[data-code] msg-reject[data-code], msg-row[data-content-id]
 *   프로모션 (#/apps/NAME/promotions): promo-code promo-name promo-budget promo-per-grant promo-settle promo-add
 *   promo-add-error promo-error-promotion_code promo-error-name promo-error-budget promo-error-per_grant_max
 *   promo-error-settle_secs, promo-row[data-code] promo-state[data-state] promo-pause/promo-resume/promo-end[data-code],
 *   promo-exec-row[data-key]
 *   이벤트 (#/apps/NAME/events): hook-url hook-format (STANDARD|TOSS) hook-local hook-types hook-add hook-add-error
 *   hook-error-url hook-error-event_types, hook-secret-panel hook-secret (after adding / rotating), hook-row[data-id]
 *   with hook-rotate/hook-retire/hook-enable/hook-disable/hook-delete[data-id]; hook-empty; event-sample-type
 *   event-trigger, event-row[data-id][data-type] (a <details>) with event-replay[data-id],
 *   delivery-row[data-endpoint][data-state] delivery-state, attempt-row[data-n]; event-empty
 *   장애 주입 (#/apps/NAME/faults): tab-faults fault-path fault-p fault-kind (FAIL|RESULT_TYPE|LATENCY|RESET|
 *   INVALID_GRANT|RATE_LIMIT) fault-value fault-add fault-add-error fault-error-probability fault-error-path_prefix
 *   fault-error-value, fault-row[data-id][data-kind] with fault-delete[data-id]; fault-clear; fault-empty
 *   샌드박스 (#/apps/NAME/sandbox): tab-sandbox sandbox-test-mode (checkbox) sandbox-clock sandbox-offset
 *   clock-by clock-advance clock-reset clock-error-by, sandbox-reset (confirm-dialog) sandbox-reset-result,
 *   요청 기록: journal-row[data-seq][data-status] journal-body (test-mode apps) journal-empty
 * 토스 인증 (#/idv)
 *   idv-client-app idv-client-env idv-client-submit idv-client-error
 *   idv-secret-panel idv-client-id idv-client-secret      (shown once after creating a client)
 *   idv-client-row[data-client-id] idv-client-delete[data-client-id]
 *   idv-tx-row[data-tx-id] idv-tx-link[data-tx-id] idv-tx-status
 * 토스 앱 시뮬레이터 (#/simulator): toss-user toss-app toss-login …, 결제 요청: toss-pay-empty,
 *   toss-pay-PAYTOKEN (one per payment awaiting approval) with toss-pay-method-PAYTOKEN (CARD|TOSS_MONEY)
 *   toss-pay-card-PAYTOKEN toss-pay-approve-PAYTOKEN toss-pay-decline-PAYTOKEN
 *   인앱 결제: toss-iap-sku (products of the chosen app) toss-iap-outcome toss-iap-buy toss-iap-error,
 *   toss-iap-order-ORDERID with toss-iap-complete-/toss-iap-fail-/toss-iap-refund-ORDERID; toss-iap-empty
 *   알림함: toss-inbox (toss-inbox-item[data-content-id][data-channel], toss-inbox-empty)
 *   토스 포인트: toss-points-balance, toss-points-entry[data-key][data-status], toss-points-fail[data-key]
 * 시뮬레이터 (/simulator/TXID)
 *   sim-app sim-type sim-person sim-status[data-status] (text = the raw status, e.g. COMPLETED) sim-error
 *   sim-open (hidden unless REQUESTED) sim-complete sim-other sim-expire (disabled once COMPLETED/EXPIRED)
 *   sim-other-form sim-name sim-birthday sim-gender sim-nationality sim-phone sim-other-submit
 *   sim-error-name sim-error-birthday sim-error-gender sim-error-nationality sim-error-phone
 */
'use strict';
(() => {
const S = { csrf: null, endpoints: {}, caPem: null, issued: null, gen: 0, timers: [] };
const SVGNS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

// ---------- DOM helpers ----------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  append(el, kids);
  return el;
}
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}
function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k == null || k === false) continue;
    el.append(k instanceof Node ? k : String(k));
  }
}
const td = (...k) => h('td', null, ...k);
const tdn = (...k) => h('td', { class: 'num' }, ...k);
const tdm = (...k) => h('td', { class: 'mono' }, ...k);
// A unique element: id and data-testid alike.
const T = (id, extra) => Object.assign({ id, testid: id }, extra || {});

function field(label, input, hint, errId) {
  const err = h('p', { class: 'field-error', id: errId, testid: errId, role: 'alert' });
  const row = h('div', { class: 'field' },
    h('label', { for: input.id }, label), input,
    hint ? h('p', { class: 'hint' }, hint) : null, err);
  return { row, err };
}

// A table; a head ending in '#' is right-aligned, an empty head is a hidden "동작" label.
function table(heads, rows, cls) {
  const th = (x) => (x.endsWith('#') ? h('th', { class: 'num' }, x.slice(0, -1)) : h('th', null, x || h('span', { class: 'sr' }, '동작')));
  return h('table', { class: 'table ' + (cls || '') }, h('thead', null, h('tr', null, heads.map(th))), h('tbody', null, rows));
}

function setStatus(msg, kind) {
  const el = $('status-line');
  if (!el) return;
  el.textContent = msg || '';
  el.className = 'status' + (msg ? ' ' + (kind || 'info') : '');
}
function errText(e) {
  if (!e) return '알 수 없는 오류';
  if (e.code && e.reason) return `${e.reason} (${e.code})`;
  return e.reason || e.message || String(e);
}
function showErr(e, prefix) {
  setStatus((prefix ? prefix + ': ' : '') + errText(e), 'error');
}

// ---------- API ----------
class ApiError extends Error {
  constructor(code, reason, status, field) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.status = status;
    // The request field at fault (error.field), when the platform names one.
    this.field = field || null;
  }
}

async function api(method, path, body, retried) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && S.csrf) headers['X-Intoss-CSRF'] = S.csrf;
  const opts = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try { res = await fetch(path, opts); } catch (e) { throw new ApiError('NETWORK', '서버에 연결할 수 없어요 (' + (e && e.message ? e.message : e) + ')', 0); }
  let data = null;
  try { data = await res.json(); } catch (_) { data = null; }
  if (res.ok && data && data.resultType === 'SUCCESS') return data.success;
  const err = (data && data.error) || {};
  const e = new ApiError(err.errorCode || 'HTTP_' + res.status, err.reason || `HTTP ${res.status} ${res.statusText || ''}`.trim(), res.status, err.field);
  const own = path.startsWith('/console/login') || path.startsWith('/console/session');
  if (res.status === 403 && err.errorCode === 'FORBIDDEN' && !retried && !own && method !== 'GET') {
    // A stale CSRF token (for example after a server restart): fetch it again, retry once.
    let sess;
    try {
      sess = await api('GET', '/console/session');
    } catch (e2) {
      if (e2 && e2.status === 401) sessionLost();
      throw e;
    }
    if (!sess.signed_in) {
      sessionLost();
      throw e;
    }
    S.csrf = sess.csrf;
    return api(method, path, body, true);
  }
  if (res.status === 401 && !own) sessionLost();
  throw e;
}

function sessionLost() {
  S.csrf = null;
  S.issued = null;
  showLogin('로그인이 만료되었어요. 다시 로그인해 주세요.');
}

// Shows an error next to the field it names (`error.field` from the platform, or `field` of a
// check done here), else as the form-level error.
function applyFieldError(e, fields, formErr) {
  const reason = (e && e.reason) || errText(e);
  const name = e && e.field;
  // Identity verification names the request's fields (userBirthday); the form calls it birthday.
  const f = name && (fields[name] || fields[name.replace(/^user([A-Z])/, (_, c) => c.toLowerCase())]);
  if (f) {
    f.err.textContent = reason;
    const input = f.row.querySelector('input, textarea, select');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  } else if (formErr) formErr.textContent = errText(e);
  showErr(e);
}
function clearFieldErrors(fields, formErr) {
  for (const f of Object.values(fields)) {
    f.err.textContent = '';
    const input = f.row.querySelector('[aria-invalid]');
    if (input) input.removeAttribute('aria-invalid');
  }
  if (formErr) formErr.textContent = '';
}
const lines = (text) => String(text || '').split(/[\r\n,]+/).map((x) => x.trim()).filter(Boolean);
function parseQpm(v) {
  const t = String(v || '').trim();
  if (t === '') return { empty: true };
  if (!/^\d+$/.test(t)) return { field: 'qpm', error: 'qpm: 0 이상의 정수를 입력해 주세요' };
  return { value: Number(t) };
}

// ---------- formatting ----------
const pad = (n) => String(n).padStart(2, '0');
function toDate(v) {
  if (v == null || v === '') return null;
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  return isNaN(d.getTime()) ? null : d;
}
function fmtDay(v) {
  const d = toDate(v);
  return d ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : v == null ? '—' : String(v);
}
function fmtTime(v) {
  const d = toDate(v);
  return d ? `${fmtDay(v)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : v == null ? '—' : String(v);
}
function badge(text, kind, testid) {
  return h('span', { class: 'badge ' + kind, testid }, text);
}
const STATUS_CERT = { active: ['활성', 'green'], revoked: ['폐기됨', 'grey'], expired: ['만료됨', 'grey'] };
function expiryBadge(w) {
  if (w !== 30 && w !== 7 && w !== 1) return null;
  return badge(`${w}일 이내 만료`, w === 1 ? 'red' : 'amber', 'badge-expiry');
}
const TX_TYPE = { USER_PERSONAL: '본인확인', USER_NONE: '원터치 인증' };
const TX_STATUS = {
  REQUESTED: ['요청됨', 'blue'], IN_PROGRESS: ['진행 중', 'amber'], COMPLETED: ['완료', 'green'], EXPIRED: ['만료됨', 'grey'],
};
function txBadge(st) {
  const [label, kind] = TX_STATUS[st] || [st || '?', 'grey'];
  return badge(label, kind);
}
function gatewayAddr() {
  let g = (S.endpoints && S.endpoints.gateway) || '';
  if (!g) return '127.0.0.1:8443';
  return g.replace(/^(0\.0\.0\.0|\[::\])(?=:)/, location.hostname || '127.0.0.1');
}
function maskName(n) {
  const c = Array.from(String(n || ''));
  if (c.length === 0) return '—';
  if (c.length === 1) return '*';
  if (c.length === 2) return c[0] + '*';
  return c[0] + '*'.repeat(c.length - 2) + c[c.length - 1];
}
function maskBirthday(b) {
  const t = String(b || '').replace(/\D/g, '');
  return t.length >= 4 ? `${t.slice(0, 4)}-**-**` : '—';
}
function maskPhone(p) {
  const t = String(p || '').replace(/\D/g, '');
  if (t.length < 7) return t ? '*'.repeat(t.length) : '—';
  return `${t.slice(0, 3)}-${'*'.repeat(t.length - 7)}-${t.slice(-4)}`;
}

// ---------- downloads ----------
function download(name, text, type) {
  try {
    const blob = new Blob([text], { type: type || 'application/x-pem-file' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, class: 'hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  } catch (e) {
    showErr(e, `${name} 다운로드 실패`);
  }
}
function copyButton(getText, label) {
  return h('button', {
    type: 'button', class: 'small',
    on: {
      click: async () => {
        try {
          await navigator.clipboard.writeText(getText());
          setStatus('복사했어요.', 'ok');
        } catch (_) {
          setStatus('복사할 수 없어요. 직접 선택해 복사해 주세요.', 'error');
        }
      },
    },
  }, label || '복사');
}

// ---------- confirmation dialog ----------
function confirmDialog(message, okLabel) {
  return new Promise((resolve) => {
    const dlg = $('confirm-dialog');
    const msg = $('confirm-message');
    const ok = $('confirm-ok');
    const cancel = $('confirm-cancel');
    if (!dlg || !msg || !ok || !cancel) {
      resolve(false);
      return;
    }
    msg.textContent = message;
    ok.textContent = okLabel || '확인';
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      ok.onclick = null;
      cancel.onclick = null;
      dlg.removeEventListener('close', onClose);
      if (typeof dlg.close === 'function') {
        if (dlg.open) dlg.close();
      } else dlg.removeAttribute('open');
      resolve(v);
    };
    const onClose = () => finish(false);
    ok.onclick = () => finish(true);
    cancel.onclick = () => finish(false);
    dlg.addEventListener('close', onClose);
    if (typeof dlg.showModal === 'function') {
      if (!dlg.open) dlg.showModal();
    } else dlg.setAttribute('open', '');
  });
}

// ---------- routing ----------
function route() {
  const m = /^\/simulator\/([^/]+)\/?$/.exec(location.pathname);
  if (m) {
    let tx = m[1];
    try {
      tx = decodeURIComponent(tx);
    } catch (_) { /* keep raw */ }
    return { name: 'sim', tx };
  }
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch (_) { return p; }
  });
  if (parts[0] === 'apps' && parts[1]) return { name: 'app', app: parts[1], section: parts[2] || '' };
  if (parts[0] === 'apps') return { name: 'apps' };
  if (parts[0] === 'idv') return { name: 'idv' };
  if (parts[0] === 'simulator') return { name: 'toss' };
  return { name: 'overview' };
}
function every(ms, fn) {
  S.timers.push(setInterval(fn, ms));
}
function newPage() {
  S.gen += 1;
  for (const t of S.timers) clearInterval(t);
  S.timers = [];
  const gen = S.gen;
  return () => gen === S.gen;
}
function setNav(active, visible) {
  const nav = $('nav');
  if (nav) nav.hidden = !visible;
  for (const a of document.querySelectorAll('#nav a[data-route]')) {
    const on = a.dataset.route === active;
    a.classList.toggle('active', on);
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}
function mainEl() {
  const m = $('main');
  if (m) m.replaceChildren();
  return m;
}

function render() {
  if (!S.csrf) {
    showLogin();
    return;
  }
  if (location.pathname === '/login') {
    history.replaceState(null, '', '/#/overview');
  }
  const r = route();
  // The private key of the last issue is offered only while its app page stays open.
  if (S.issued && !(r.name === 'app' && r.app === S.issued.app)) S.issued = null;
  const alive = newPage();
  const main = mainEl();
  if (!main) return;
  setStatus('');
  setNav(r.name === 'app' ? 'apps' : r.name, true);
  const titles = { overview: '개요', apps: '앱', app: r.app, idv: '토스 인증', sim: '토스 앱 시뮬레이터', toss: '토스 앱 시뮬레이터' };
  document.title = `${titles[r.name] || ''} · intoss 콘솔`;
  const views = { overview: viewOverview, apps: viewApps, app: viewApp, idv: viewIdv, sim: viewSim, toss: viewToss };
  Promise.resolve()
    .then(() => views[r.name](main, alive, r))
    .catch((e) => {
      if (alive()) showErr(e);
    });
}

// ---------- sign-in ----------
function showLogin(reason) {
  newPage();
  setNav('', false);
  const main = mainEl();
  if (!main) return;
  document.title = '로그인 · intoss 콘솔';
  const input = h('input', T('login-token', { type: 'password', name: 'token', autocomplete: 'current-password', required: true }));
  const err = h('p', T('login-error', { class: 'field-error', role: 'alert' }), reason || '');
  const btn = h('button', T('login-submit', { type: 'submit', class: 'primary' }), '로그인');
  const form = h('form', { class: 'card narrow', method: 'post', action: '/console/login' },
    h('h1', null, '로그인'),
    h('div', { class: 'field' },
      h('label', { for: 'login-token' }, '관리자 토큰'), input,
      h('p', { class: 'hint' }, '서버의 DATA_DIR/admin-token 파일에 있어요 (기본 ./intoss-data/admin-token).')),
    err, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    btn.disabled = true;
    try {
      const r = await api('POST', '/console/login', { token: input.value.trim() });
      S.csrf = r.csrf;
      try {
        const sess = await api('GET', '/console/session');
        S.csrf = sess.csrf || S.csrf;
        S.endpoints = sess.endpoints || {};
      } catch (_) { /* endpoints are optional */ }
      input.value = '';
      setStatus('');
      render();
    } catch (e) {
      err.textContent = e.code === 'UNAUTHORIZED' ? `로그인할 수 없어요: ${e.reason}` : errText(e);
      btn.disabled = false;
      input.focus();
    }
  });
  main.append(form);
  input.focus();
}

async function logout() {
  try { await api('POST', '/console/logout'); } catch (e) { if (e.status !== 401) showErr(e, '로그아웃'); }
  S.csrf = null;
  S.issued = null;
  S.caPem = null;
  history.replaceState(null, '', '/login');
  showLogin();
  setStatus('로그아웃했어요.', 'ok');
}

// ---------- 개요 ----------
function chart(requests, limited) {
  const W = 240, H = 48, n = 60, bw = W / n;
  const req = Array.from({ length: n }, (_, i) => Number((requests || [])[i]) || 0);
  const lim = Array.from({ length: n }, (_, i) => Number((limited || [])[i]) || 0);
  const max = Math.max(1, ...req.map((v, i) => v + lim[i]));
  const total = req.reduce((a, b) => a + b, 0);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart', role: 'img', 'data-testid': 'overview-chart', 'aria-label': `최근 1시간 요청 ${total}건` });
  svg.append(s('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }));
  for (let i = 0; i < n; i++) {
    const rh = (req[i] / max) * (H - 2);
    const lh = (lim[i] / max) * (H - 2);
    const x = (i * bw + 0.5).toFixed(1), w = (bw - 1).toFixed(1);
    const ago = n - 1 - i;
    const g = s('g', null, s('title', null, `${ago ? `${ago}분 전` : '이번 분'}: 요청 ${req[i]}, 한도 초과 ${lim[i]}`),
      s('rect', { x, y: (H - 1 - rh).toFixed(1), width: w, height: rh.toFixed(1), class: 'bar-req' }),
      lim[i] > 0 ? s('rect', { x, y: (H - 1 - rh - lh).toFixed(1), width: w, height: lh.toFixed(1), class: 'bar-lim' }) : null,
      s('rect', { x: (i * bw).toFixed(1), y: 0, width: bw.toFixed(1), height: H, class: 'bar-hit' }));
    svg.append(g);
  }
  return svg;
}

async function viewOverview(main, alive) {
  const body = h('div');
  main.append(h('h1', null, '개요'), body);
  const load = async () => {
    let stats, apps;
    try {
      [stats, apps] = await Promise.all([api('GET', '/admin/v1/stats'), api('GET', '/admin/v1/apps')]);
    } catch (e) {
      if (alive()) showErr(e, '개요를 불러오지 못했어요');
      return;
    }
    if (!alive()) return;
    const byApp = new Map((stats.apps || []).map((a) => [a.app, a]));
    const names = (apps.apps || []).map((a) => a.name);
    for (const k of byApp.keys()) if (!names.includes(k)) names.push(k);
    const qpm = new Map((apps.apps || []).map((a) => [a.name, a.qpm]));
    const rows = names.map((name) => {
      const st = byApp.get(name) || {};
      const total = (st.requests || []).reduce((a, b) => a + (Number(b) || 0), 0);
      const limited = (st.limited || []).reduce((a, b) => a + (Number(b) || 0), 0);
      return h('tr', { testid: 'overview-app-row', data: { app: name } },
        td(h('a', { href: '#/apps/' + enc(name) }, name)),
        h('td', { class: 'chart-cell' }, chart(st.requests, st.limited)),
        h('td', { class: 'num', testid: 'overview-total' }, total.toLocaleString()),
        h('td', { class: 'num', testid: 'overview-limited' }, limited ? badge(limited.toLocaleString(), 'red') : '0'),
        tdn(qpm.has(name) ? Number(qpm.get(name)).toLocaleString() : '—'));
    });
    const reqSection = h('section', { class: 'card' },
      h('h2', null, '요청 (최근 1시간)'),
      h('p', { class: 'hint' }, '막대 하나가 1분이에요. 파란색은 처리한 요청, 빨간색은 QPM 한도를 넘어 거절한 요청(429)이에요.'),
      rows.length
        ? table(['앱', '분당 요청', '요청 합계#', '한도 초과#', 'QPM#'], rows)
        : h('p', { class: 'empty' }, '아직 앱이 없어요. ', h('a', { href: '#/apps' }, '앱 만들기')));
    const exp = stats.expiring || [];
    const expSection = h('section', { class: 'card' },
      h('h2', null, '만료 예정 인증서'),
      exp.length
        ? table(['앱', 'serial', '만료일', '남은 일수#', '알림'], exp.map((c) => h('tr', { testid: 'expiring-row', data: { serial: c.serial || '' } },
            td(h('a', { href: `#/apps/${enc(c.app || '')}/certs` }, c.app || '—')),
            tdm(c.serial || ''),
            td(fmtDay(c.not_after)),
            tdn(c.days_left != null ? `${c.days_left}일` : '—'),
            td(expiryBadge(c.expiry_warning) || badge(`${c.expiry_warning}일`, 'amber')))))
        : h('p', { class: 'empty' }, '30일 안에 만료되는 인증서가 없어요.'),
      h('p', { class: 'hint' }, '인증서는 390일 동안 유효해요. 만료 30일, 7일, 1일 전에 알려 드려요.'));
    body.replaceChildren(reqSection, expSection);
  };
  await load();
  every(10000, load);
}

// ---------- 앱 목록 ----------
async function viewApps(main, alive) {
  const list = h('div', null, h('p', { class: 'muted' }, '불러오는 중…'));
  const name = h('input', T('app-create-name', { type: 'text', required: true, maxlength: 64, autocomplete: 'off', placeholder: 'my-app' }));
  const qpm = h('input', T('app-create-qpm', { type: 'number', min: 0, step: 1, value: '3000' }));
  const ips = h('textarea', T('app-create-allow-ips', { rows: 3, placeholder: '203.0.113.7\n10.0.0.0/8\n117.52.3.80~87' }));
  const fields = {
    name: field('이름', name, '영문, 숫자, -, _, . (64자까지)', 'app-create-error-name'),
    qpm: field('QPM (분당 요청 한도)', qpm, '기본 3000', 'app-create-error-qpm'),
    allow_ips: field('허용 IP', ips, '한 줄에 하나씩 (주소, CIDR, 117.52.3.80~87 같은 범위). 비워 두면 모든 주소를 허용해요.', 'app-create-error-allow_ips'),
  };
  const formErr = h('p', T('app-create-error', { class: 'field-error', role: 'alert' }));
  const submit = h('button', T('app-create-submit', { type: 'submit', class: 'primary' }), '만들기');
  const form = h('form', { class: 'card', method: 'post', action: '/' },
    h('h2', null, '새 앱 만들기'), fields.name.row, fields.qpm.row, fields.allow_ips.row, formErr,
    h('div', { class: 'actions' }, submit));

  const load = async () => {
    const r = await api('GET', '/admin/v1/apps');
    if (!alive()) return;
    const apps = r.apps || [];
    list.replaceChildren(apps.length
      ? table(['이름', 'QPM#', '허용 IP', '생성일'], apps.map((a) => h('tr', {
          testid: 'app-row', data: { app: a.name },
          on: { click: (ev) => { if (!ev.target.closest('a')) location.hash = '#/apps/' + enc(a.name); } },
        },
        td(h('a', { href: '#/apps/' + enc(a.name), testid: 'app-link', data: { app: a.name } }, a.name)),
        tdn(Number(a.qpm).toLocaleString()),
        td((a.allow_ips || []).length ? h('span', { class: 'mono' }, a.allow_ips.join(', ')) : h('span', { class: 'muted' }, '모두 허용')),
        td(fmtTime(a.created_at)))), 'clickable')
      : h('p', { class: 'empty' }, '아직 앱이 없어요. 아래에서 첫 앱을 만들어 보세요.'));
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    const body = { name: name.value.trim() };
    const q = parseQpm(qpm.value);
    if (q.error) {
      applyFieldError({ field: q.field, reason: q.error }, fields, formErr);
      return;
    }
    if (!q.empty) body.qpm = q.value;
    body.allow_ips = lines(ips.value);
    submit.disabled = true;
    try {
      const app = await api('POST', '/admin/v1/apps', body);
      setStatus(`앱 ${app.name}을(를) 만들었어요.`, 'ok');
      name.value = '';
      qpm.value = '3000';
      ips.value = '';
      await load();
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h('h1', null, '앱'), h('section', { class: 'card' }, h('h2', null, '앱 목록'), list), form);
  try {
    await load();
  } catch (e) {
    if (alive()) {
      list.replaceChildren(h('p', { class: 'empty' }, '앱 목록을 불러오지 못했어요.'));
      showErr(e);
    }
  }
}

// ---------- 앱 상세 ----------
async function viewApp(main, alive, r) {
  const appName = r.app;
  const path = '/admin/v1/apps/' + enc(appName);
  const tabSettings = h('a', T('tab-settings', { href: `#/apps/${enc(appName)}/settings`, class: 'tab' }), '설정');
  const tabCerts = h('a', T('tab-certs', { href: `#/apps/${enc(appName)}/certs`, class: 'tab' }), 'mTLS 인증서');
  const tabLogin = h('a', T('tab-login', { href: `#/apps/${enc(appName)}/login`, class: 'tab' }), '토스 로그인');
  const tabPay = h('a', T('tab-pay', { href: `#/apps/${enc(appName)}/pay`, class: 'tab' }), '토스페이');
  const tabIap = h('a', T('tab-iap', { href: `#/apps/${enc(appName)}/iap`, class: 'tab' }), '인앱 결제');
  const tabMsg = h('a', T('tab-messages', { href: `#/apps/${enc(appName)}/messages`, class: 'tab' }), '메시지');
  const tabPromo = h('a', T('tab-promotions', { href: `#/apps/${enc(appName)}/promotions`, class: 'tab' }), '프로모션');
  const tabEvents = h('a', T('tab-events', { href: `#/apps/${enc(appName)}/events`, class: 'tab' }), '이벤트');
  const tabFaults = h('a', T('tab-faults', { href: `#/apps/${enc(appName)}/faults`, class: 'tab' }), '장애 주입');
  const tabSandbox = h('a', T('tab-sandbox', { href: `#/apps/${enc(appName)}/sandbox`, class: 'tab' }), '샌드박스');
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/apps' }, '앱'), ' › ', appName),
    h('h1', null, appName),
    h('nav', { class: 'tabs', 'aria-label': '앱 메뉴' }, tabSettings, tabCerts, tabLogin, tabPay, tabIap, tabMsg, tabPromo, tabEvents, tabFaults, tabSandbox));

  let app;
  try {
    app = await api('GET', path);
  } catch (e) {
    if (!alive()) return;
    main.append(h('section', { class: 'card' }, h('p', { class: 'empty' },
      e.code === 'NOT_FOUND' ? `앱 ${appName}을(를) 찾을 수 없어요.` : '앱을 불러오지 못했어요.')));
    showErr(e);
    return;
  }
  if (!alive()) return;

  // --- 설정
  const qpm = h('input', T('app-qpm', { type: 'number', min: 0, step: 1, value: String(app.qpm) }));
  const ips = h('textarea', T('app-allow-ips', { rows: 4 }));
  ips.value = (app.allow_ips || []).join('\n');
  const fields = {
    qpm: field('QPM (분당 요청 한도)', qpm, null, 'app-save-error-qpm'),
    allow_ips: field('허용 IP', ips, '한 줄에 하나씩. 비워 두면 모든 주소를 허용해요.', 'app-save-error-allow_ips'),
  };
  const formErr = h('p', T('app-save-error', { class: 'field-error', role: 'alert' }));
  const save = h('button', T('app-save', { type: 'submit', class: 'primary' }), '저장');
  const meta = h('p', { class: 'hint' });
  const showMeta = (a) => meta.replaceChildren(`생성일 ${fmtTime(a.created_at)}`, a.webhook_url ? ` · 웹훅 ${a.webhook_url}` : '');
  showMeta(app);
  const settings = h('form', { class: 'card', id: 'section-settings', method: 'post', action: '/' },
    h('h2', null, '설정'), meta, fields.qpm.row, fields.allow_ips.row, formErr, h('div', { class: 'actions' }, save));
  settings.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    const q = parseQpm(qpm.value);
    if (q.error || q.empty) {
      applyFieldError({ field: 'qpm', reason: q.error || 'qpm: 값을 입력해 주세요' }, fields, formErr);
      return;
    }
    save.disabled = true;
    try {
      const a = await api('PATCH', path, { qpm: q.value, allow_ips: lines(ips.value) });
      if (!alive()) return;
      qpm.value = String(a.qpm);
      ips.value = (a.allow_ips || []).join('\n');
      showMeta(a);
      setStatus('설정을 저장했어요.', 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      save.disabled = false;
    }
  });

  // --- mTLS 인증서
  const keyType = h('select', T('cert-key-type'),
    h('option', { value: 'rsa2048' }, 'RSA-2048 (기본)'), h('option', { value: 'p256' }, 'ECDSA P-256'));
  const issueBtn = h('button', T('cert-issue', { type: 'button', class: 'primary' }), '+ 발급받기');
  const notice = h('div', { id: 'cert-notice-box' });
  const certList = h('div', null, h('p', { class: 'muted' }, '불러오는 중…'));
  const usage = h('section', { class: 'card', id: 'section-usage' });

  const renderNotice = () => {
    const is = S.issued;
    if (!is || is.app !== appName) {
      notice.replaceChildren();
      return;
    }
    notice.replaceChildren(h('div', T('cert-notice', { class: 'notice', role: 'alert' }),
      h('p', null, h('strong', null, 'mTLS 인증서가 발급되었어요. '), `다운로드된 인증서(client-cert.pem)${is.key ? '와 키 파일(client-key.pem)' : ''}을 확인해 주세요. serial `, h('span', { class: 'mono' }, is.serial || '?')),
      is.key
        ? h('p', { class: 'warn' }, '개인 키는 지금 한 번만 받을 수 있어요. 플랫폼은 키를 보관하지 않아요. 아래 "키 다시 다운로드"는 이 페이지를 떠나면 사라져요.')
        : h('p', null, 'CSR로 발급했으니 키는 가지고 계신 것을 그대로 쓰세요.'),
      h('p', { class: 'hint' }, '인증서와 키 파일은 안전한 곳에 보관하고, 만료 전에 재발급해 주세요.'),
      h('div', { class: 'actions' },
        h('button', T('cert-redownload-cert', { type: 'button', on: { click: () => download('client-cert.pem', is.cert) } }), '인증서 다시 다운로드'),
        is.key ? h('button', T('cert-redownload-key', { type: 'button', on: { click: () => download('client-key.pem', is.key) } }), '키 다시 다운로드') : null)));
  };

  const loadCerts = async () => {
    const res = await api('GET', path + '/certs');
    if (!alive()) return;
    const certs = res.certs || [];
    certList.replaceChildren(certs.length
      ? table(['serial', '키', '발급일', '만료일', '남은 일수#', '상태', ''], certs.map((c) => {
          const [label, kind] = STATUS_CERT[c.status] || [c.status, 'grey'];
          const active = c.status === 'active';
          return h('tr', { testid: 'cert-row', data: { serial: c.serial } },
            tdm(c.serial),
            td(c.key_source === 'rsa2048' ? 'RSA-2048' : c.key_source === 'p256' ? 'P-256' : c.key_source === 'csr' ? 'CSR' : c.key_source || ''),
            td(fmtDay(c.created_at)),
            td(fmtDay(c.not_after)),
            tdn(active && c.days_left != null ? `${c.days_left}일` : '—'),
            h('td', { class: 'badges' },
              h('span', { class: 'badge ' + kind, testid: 'cert-status', data: { status: c.status } }, label),
              active ? expiryBadge(c.expiry_warning) : null,
              c.status === 'revoked' && c.revoked_at ? h('span', { class: 'hint' }, ` ${fmtDay(c.revoked_at)}`) : null),
            td(active
              ? h('button', { type: 'button', class: 'small danger', testid: 'cert-revoke', data: { serial: c.serial }, 'aria-label': `인증서 ${c.serial} 폐기`, on: { click: () => revoke(c.serial) } }, '폐기')
              : null));
        }))
      : h('p', { class: 'empty' }, '발급된 인증서가 없어요. "+ 발급받기"를 눌러 첫 인증서를 받으세요.'));
  };
  const refreshCerts = async () => {
    try { await loadCerts(); } catch (e) { if (alive()) showErr(e, '인증서 목록'); }
  };

  const afterIssue = (res, withKey) => {
    if (res.ca_pem) S.caPem = res.ca_pem;
    S.issued = { app: appName, serial: res.certificate && res.certificate.serial, cert: res.cert_pem, key: withKey ? res.key_pem || null : null };
    download('client-cert.pem', res.cert_pem);
    if (S.issued.key) {
      const key = S.issued.key;
      setTimeout(() => download('client-key.pem', key), 400);
    }
    renderNotice();
    renderUsage();
    setStatus(`인증서를 발급했어요 (serial ${S.issued.serial || '?'}).`, 'ok');
    return refreshCerts();
  };

  issueBtn.addEventListener('click', async () => {
    issueBtn.disabled = true;
    try {
      const body = keyType.value === 'p256' ? { key_type: 'p256' } : {};
      const res = await api('POST', path + '/certs', body);
      if (alive()) await afterIssue(res, true);
    } catch (e) {
      if (alive()) showErr(e, '발급하지 못했어요');
    } finally {
      issueBtn.disabled = false;
    }
  });

  async function revoke(serial) {
    const ok = await confirmDialog(`인증서 ${serial}을(를) 폐기할까요? 새 연결은 거부되고 열린 연결도 끊겨요. 되돌릴 수 없어요.`, '폐기');
    if (!ok || !alive()) return;
    try {
      await api('POST', `/admin/v1/certs/${enc(serial)}/revoke`, { reason: 'revoked in the console' });
      setStatus(`인증서 ${serial}을(를) 폐기했어요.`, 'ok');
      await refreshCerts();
    } catch (e) {
      if (alive()) showErr(e, '폐기하지 못했어요');
    }
  }

  // CSR
  const csrText = h('textarea', T('cert-csr-text', { rows: 5, class: 'mono', placeholder: '-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----' }));
  const csrFile = h('input', T('cert-csr-file', { type: 'file', accept: '.csr,.pem,.req,.txt' }));
  const csrErr = h('p', T('cert-csr-error', { class: 'field-error', role: 'alert' }));
  const csrBtn = h('button', T('cert-csr-submit', { type: 'button' }), 'CSR로 발급');
  csrFile.addEventListener('change', async () => {
    const f = csrFile.files && csrFile.files[0];
    if (!f) return;
    try { csrText.value = await f.text(); } catch (e) { csrErr.textContent = 'CSR 파일을 읽지 못했어요: ' + errText(e); }
  });
  csrBtn.addEventListener('click', async () => {
    csrErr.textContent = '';
    const pem = csrText.value.trim();
    if (!pem.includes('-----BEGIN')) {
      csrErr.textContent = 'csr: PEM 형식의 CSR(-----BEGIN CERTIFICATE REQUEST-----)을 붙여 넣거나 파일을 골라 주세요.';
      return;
    }
    csrBtn.disabled = true;
    try {
      const res = await api('POST', path + '/certs', { csr: pem });
      if (!alive()) return;
      csrText.value = '';
      csrFile.value = '';
      await afterIssue(res, false);
    } catch (e) {
      if (alive()) {
        csrErr.textContent = errText(e);
        showErr(e, 'CSR로 발급하지 못했어요');
      }
    } finally {
      csrBtn.disabled = false;
    }
  });

  function renderUsage() {
    const gw = gatewayAddr();
    const url = `https://${gw}/api-partner/v1/whoami`;
    const curl = `curl --cacert ca.pem --cert client-cert.pem --key client-key.pem ${url}`;
    const py = `import requests\n\nr = requests.get(\n    "${url}",\n    cert=("client-cert.pem", "client-key.pem"),\n    verify="ca.pem",\n)\nprint(r.status_code, r.text)`;
    const node = `const https = require('https');\nconst fs = require('fs');\n\nhttps.get('${url}', {\n  ca: fs.readFileSync('ca.pem'),\n  cert: fs.readFileSync('client-cert.pem'),\n  key: fs.readFileSync('client-key.pem'),\n}, (res) => {\n  let data = '';\n  res.on('data', (chunk) => (data += chunk));\n  res.on('end', () => console.log(res.statusCode, data));\n}).on('error', console.error);`;
    const snippet = (title, id, text) => h('div', { class: 'snippet' },
      h('div', { class: 'snippet-head' }, h('span', null, title), copyButton(() => text)),
      h('pre', T(id), text));
    usage.replaceChildren(
      h('h2', null, '사용 방법'),
      h('p', null, '파트너 서버에 인증서와 키 파일을 설정하고 게이트웨이 ', h('span', { class: 'mono' }, gw), '로 요청을 보내세요. 서버 인증서는 플랫폼 CA(ca.pem)로 확인해요.'),
      S.caPem
        ? h('p', null, h('button', T('ca-download', { type: 'button', on: { click: () => download('ca.pem', S.caPem) } }), 'ca.pem 다운로드'))
        : h('p', { class: 'hint', id: 'ca-hint' }, 'ca.pem은 서버의 DATA_DIR/ca.pem(기본 ./intoss-data/ca.pem)에 있어요. 인증서를 발급하면 여기서도 받을 수 있어요.'),
      snippet('curl', 'usage-curl', curl),
      snippet('Python (requests)', 'usage-python', py),
      snippet('Node.js (https)', 'usage-node', node));
  }

  const certs = h('section', { class: 'card', id: 'section-certs' },
    h('div', { class: 'card-head' }, h('h2', null, 'mTLS 인증서'),
      h('div', { class: 'inline' }, h('label', { for: 'cert-key-type' }, '키 종류'), keyType, issueBtn)),
    h('p', { class: 'hint' }, '인증서는 390일 동안 유효해요. 무중단 교체를 위해 두 개 이상 발급해 둘 수 있어요. 유출된 인증서는 바로 폐기하고 새로 발급받으세요.'),
    notice, certList,
    h('div', { class: 'subcard' }, h('h3', null, 'CSR로 발급'),
      h('p', { class: 'hint' }, '직접 만든 키의 CSR(PKCS#10 PEM)을 보내면 인증서만 받아요. 키는 플랫폼에 가지 않아요.'),
      h('div', { class: 'field' }, h('label', { for: 'cert-csr-text' }, 'CSR (PEM)'), csrText),
      h('div', { class: 'field' }, h('label', { for: 'cert-csr-file' }, '또는 CSR 파일'), csrFile),
      csrErr, h('div', { class: 'actions' }, csrBtn)));

  const login = loginSection(appName, alive);
  const pay = paySection(appName, alive);
  const iap = iapSection(appName, alive);
  const msgs = messageSection(appName, alive);
  const promos = promotionSection(appName, alive);
  const evs = eventSection(appName, alive);
  const faults = faultSection(appName, alive);
  const sandbox = sandboxSection(appName, alive);
  main.append(settings, certs, login, pay, iap, msgs, promos, evs, faults, sandbox, usage);
  renderNotice();
  renderUsage();
  await refreshCerts();
  if (!alive()) return;
  const target = { certs, settings, login, pay, iap, messages: msgs, promotions: promos, events: evs, faults, sandbox }[r.section] || null;
  ({ [certs.id]: tabCerts, [login.id]: tabLogin, [pay.id]: tabPay, [iap.id]: tabIap, [msgs.id]: tabMsg, [promos.id]: tabPromo, [evs.id]: tabEvents, [faults.id]: tabFaults, [sandbox.id]: tabSandbox }[target && target.id] || tabSettings).classList.add('active');
  if (target && typeof target.scrollIntoView === 'function') target.scrollIntoView({ block: 'start' });
}

// ---------- 토스 로그인 (app page section) ----------
const SCOPES = [
  ['USER_NAME', '이름'], ['USER_PHONE', '휴대폰 번호'], ['USER_BIRTHDAY', '생년월일'], ['USER_GENDER', '성별'],
  ['USER_NATIONALITY', '국적'], ['USER_EMAIL', '이메일'], ['USER_CI', 'CI (연계정보)'],
];
function loginSection(appName, alive) {
  const path = `/admin/v1/apps/${enc(appName)}/login`;
  const keyBox = h('dl', T('login-key', { class: 'kv' }), h('dt', null, '불러오는 중…'));
  const inp = (id, attrs) => h('input', T(id, Object.assign({ type: 'text', autocomplete: 'off' }, attrs)));
  const testMode = h('input', T('login-test-mode', { type: 'checkbox' }));
  const defaultUser = inp('login-default-user', { placeholder: 'kim-toss' });
  const returnUrl = inp('login-return-url', { placeholder: 'https://partner.example/login/callback' });
  const unlinkUrl = inp('login-unlink-url', { placeholder: 'https://partner.example/toss/unlink' });
  const unlinkMethod = h('select', T('login-unlink-method'), h('option', { value: 'POST' }, 'POST (JSON)'), h('option', { value: 'GET' }, 'GET (쿼리)'));
  const basicAuth = inp('login-basic-auth', { placeholder: '바꿀 때만 입력 (user:password)', autocomplete: 'new-password' });
  const fields = {
    default_user: field('기본 사용자 (mock 코드)', defaultUser, '비워 두면 첫 번째 사용자예요.', 'login-error-default_user'),
    return_url: field('돌아갈 URL', returnUrl, '시뮬레이터 로그인 뒤 ?code=…&referrer=… 를 붙여 보내요.', 'login-error-return_url'),
    unlink_url: field('연결 끊기 콜백 URL', unlinkUrl, '사용자가 연결을 끊으면 호출돼요. 파트너가 remove API를 부를 때는 보내지 않아요.', 'login-error-unlink_url'),
    unlink_method: field('콜백 방식', unlinkMethod, null, 'login-error-unlink_method'),
    unlink_basic_auth: field('Basic Auth', basicAuth, null, 'login-error-unlink_basic_auth'),
  };
  const formErr = h('p', T('login-save-error', { class: 'field-error', role: 'alert' }));
  const save = h('button', T('login-save', { type: 'submit', class: 'primary' }), '저장');
  const rotate = h('button', T('login-rotate', { type: 'button', class: 'danger' }), '복호화 키 교체');
  const show = (l) => {
    keyBox.replaceChildren(
      h('dt', null, '복호화 키 (AES-256, base64)'), h('dd', null, h('code', T('login-decryption-key'), l.decryption_key), copyButton(() => l.decryption_key, '키 복사')),
      h('dt', null, 'AAD'), h('dd', null, h('code', T('login-aad'), l.aad), copyButton(() => l.aad, 'AAD 복사')),
      h('dt', null, '콜백 Basic Auth'), h('dd', T('login-basic-auth-set'), l.unlink_basic_auth_set ? '설정됨' : '없음'));
    testMode.checked = !!l.test_mode;
    defaultUser.value = l.default_user || '';
    returnUrl.value = l.return_url || '';
    unlinkUrl.value = l.unlink_url || '';
    unlinkMethod.value = l.unlink_method || 'POST';
    basicAuth.value = '';
  };
  const form = h('form', { class: 'card', id: 'section-login', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '토스 로그인'), rotate),
    h('p', { class: 'hint' }, 'login-me 응답의 개인정보는 이 키와 AAD로 AES-256-GCM 복호화해요 (base64(IV 12바이트 || 암호문 || 태그)).'),
    keyBox,
    h('div', { class: 'field' }, h('label', { for: 'login-test-mode' }, testMode, ' 테스트 모드: mock-auth-<uuid> 코드(referrer SANDBOX)를 받아요')),
    Object.values(fields).map((f) => f.row), formErr, h('div', { class: 'actions' }, save));
  const load = async () => {
    try {
      const l = await api('GET', path);
      if (alive()) show(l);
    } catch (e) {
      if (alive()) showErr(e);
    }
  };
  const patch = async (body, btn, message) => {
    clearFieldErrors(fields, formErr);
    btn.disabled = true;
    try {
      const l = await api('PATCH', path, body);
      if (!alive()) return;
      show(l);
      setStatus(message, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      btn.disabled = false;
    }
  };
  const orNull = (v) => (v.trim() ? v.trim() : null);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {
      test_mode: testMode.checked,
      default_user: orNull(defaultUser.value),
      return_url: orNull(returnUrl.value),
      unlink_url: orNull(unlinkUrl.value),
      unlink_method: unlinkMethod.value,
    };
    if (basicAuth.value.trim()) body.unlink_basic_auth = basicAuth.value.trim();
    patch(body, save, '토스 로그인 설정을 저장했어요.');
  });
  rotate.addEventListener('click', async () => {
    if (await confirmDialog('복호화 키를 교체할까요? 이전 키로는 새 응답을 복호화할 수 없어요.', '교체')) {
      patch({ rotate_key: true }, rotate, '새 복호화 키를 만들었어요.');
    }
  });
  load();
  return form;
}

// ---------- 토스페이 (app page section, simulator) ----------
const PAY_STATUS = {
  PAY_STANDBY: ['승인 대기', 'blue'], PAY_APPROVED: ['승인됨', 'amber'], PAY_CANCEL: ['취소됨', 'grey'],
  PAY_COMPLETE: ['결제 완료', 'green'], REFUND_SUCCESS: ['환불됨', 'grey'],
};
const CARD_COMPANIES = [
  ['11', 'KB국민카드'], ['21', '하나카드'], ['31', 'BC카드'], ['41', '신한카드'], ['51', '삼성카드'],
  ['61', '현대카드'], ['71', '롯데카드'], ['91', 'NH농협카드'],
];
const won = (n) => `${Number(n || 0).toLocaleString('ko-KR')}원`;
function payBadge(p) {
  const [label, kind] = PAY_STATUS[p.status] || [p.status || '?', 'grey'];
  const partial = p.status === 'REFUND_SUCCESS' && p.refunded_amount < p.amount ? ' (부분)' : '';
  return h('span', { class: 'badge ' + kind, testid: 'pay-status', data: { status: p.status } }, label + partial);
}
function paySection(appName, alive) {
  const path = `/admin/v1/apps/${enc(appName)}/pay`;
  const reading = h('select', T('pay-reading'),
    h('option', { value: 'TRUE_IS_TEST' }, 'true = 테스트 결제 (개발 가이드, 기본)'),
    h('option', { value: 'FALSE_IS_TEST' }, 'false = 테스트 결제 (API 레퍼런스)'));
  const refuseLive = h('input', T('pay-refuse-live', { type: 'checkbox' }));
  const ttl = h('input', T('pay-ttl', { type: 'text', inputmode: 'numeric', autocomplete: 'off' }));
  const fields = {
    test_payment_reading: field('isTestPayment 해석', reading, '토스 문서끼리 뜻이 달라요. 앱이 쓰는 쪽을 고르세요.', 'pay-error-test_payment_reading'),
    approval_ttl_secs: field('승인 대기 시간 (초)', ttl, '이 시간 안에 사용자가 승인하지 않으면 PAY_CANCEL이 돼요. 60–86400.', 'pay-error-approval_ttl_secs'),
  };
  const formErr = h('p', T('pay-save-error', { class: 'field-error', role: 'alert' }));
  const save = h('button', T('pay-save', { type: 'submit', class: 'primary' }), '저장');
  const list = h('div', T('pay-list'), h('p', { class: 'muted' }, '불러오는 중…'));
  const show = (st) => {
    reading.value = st.test_payment_reading;
    refuseLive.checked = !!st.refuse_live;
    ttl.value = String(st.approval_ttl_secs);
  };
  const detail = (p) => h('tr', { id: `pay-detail-${p.pay_token}`, testid: 'pay-detail', class: 'detail', data: { payToken: p.pay_token } },
    h('td', { colspan: 7 },
      h('dl', { class: 'kv' },
        h('dt', null, 'payToken'), h('dd', { class: 'mono' }, p.pay_token),
        h('dt', null, '상품'), h('dd', null, p.product_desc),
        h('dt', null, '사용자'), h('dd', null, `${p.user_id} · userKey `, h('span', { class: 'mono' }, String(p.user_key))),
        h('dt', null, '결제 수단'), h('dd', null, p.pay_method ? `${p.pay_method}${p.card_company_code ? ' · ' + ((CARD_COMPANIES.find(([c]) => c === p.card_company_code) || [])[1] || p.card_company_code) : ''}` : '—'),
        h('dt', null, '승인 기한'), h('dd', null, fmtTime(p.expires_at))),
      (p.transactions || []).length
        ? table(['단계', 'transactionId', '금액#', '시각 (KST)'], p.transactions.map((t) => h('tr', { testid: 'pay-tx-row', data: { step: t.stepType } },
            td(t.stepType === 'PAY' ? '결제' : '환불'), tdm(t.transactionId), tdn(won(t.transactionAmount)), td(t.regTs))))
        : h('p', { class: 'empty' }, '아직 거래가 없어요.')));
  const loadList = async () => {
    const r = await api('GET', `/admin/v1/payments?app=${enc(appName)}`);
    if (!alive()) return;
    const payments = r.payments || [];
    if (!payments.length) {
      list.replaceChildren(h('p', T('pay-empty', { class: 'empty' }), '아직 결제가 없어요. 파트너 서버가 make-payment를 부르면 여기에 보여요.'));
      return;
    }
    const open = new Set([...list.querySelectorAll('tr.detail')].map((tr) => tr.dataset.payToken));
    const rows = [];
    for (const p of payments) {
      const row = h('tr', { testid: 'pay-row', data: { payToken: p.pay_token }, tabindex: 0, 'aria-expanded': String(open.has(p.pay_token)) },
        tdm(p.order_no), td(p.product_desc), tdn(won(p.amount)), tdn(p.refunded_amount ? won(-p.refunded_amount) : '—'),
        h('td', { class: 'badges' }, payBadge(p)), td(p.mode), td(fmtTime(p.created_at)));
      const toggle = () => {
        const next = row.nextElementSibling;
        if (next && next.classList.contains('detail')) {
          next.remove();
          row.setAttribute('aria-expanded', 'false');
        } else {
          row.after(detail(p));
          row.setAttribute('aria-expanded', 'true');
        }
      };
      row.addEventListener('click', toggle);
      row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') toggle(); });
      rows.push(row);
      if (open.has(p.pay_token)) rows.push(detail(p));
    }
    list.replaceChildren(table(['orderNo', '상품', '금액#', '환불#', '상태', 'mode', '만든 시각'], rows, 'clickable'));
  };
  const form = h('form', { class: 'card', id: 'section-pay', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '토스페이')),
    h('p', { class: 'hint' }, '파트너 서버가 make-payment → (사용자 승인) → execute-payment 순서로 불러요. 사용자 승인은 토스 앱 시뮬레이터나 intoss sim pay approve로 해요.'),
    Object.values(fields)[0].row,
    h('div', { class: 'field' }, h('label', { for: 'pay-refuse-live' }, refuseLive, ' 라이브 결제 거절: isTestPayment가 라이브를 뜻하면 INVALID_PARAMETER로 거절해요')),
    Object.values(fields)[1].row, formErr, h('div', { class: 'actions' }, save),
    h('h3', null, '결제 내역'), list);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    save.disabled = true;
    try {
      const st = await api('PATCH', path, {
        test_payment_reading: reading.value,
        refuse_live: refuseLive.checked,
        approval_ttl_secs: Number(ttl.value),
      });
      if (!alive()) return;
      show(st);
      setStatus('토스페이 설정을 저장했어요.', 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      save.disabled = false;
    }
  });
  (async () => {
    try {
      const st = await api('GET', path);
      if (alive()) show(st);
      await loadList();
    } catch (e) {
      if (alive()) showErr(e, '토스페이');
    }
  })();
  every(3000, () => loadList().catch(() => {}));
  return form;
}
/** The simulator's 결제 요청 list: payments of `user` awaiting approval, each with approve and decline. */
function simPayments(alive, getUser) {
  const box = h('div', T('toss-pay'), h('p', { class: 'muted' }, '불러오는 중…'));
  const act = async (p, action, body, btns) => {
    for (const b of btns) b.disabled = true;
    try {
      const done = await api('POST', `/admin/v1/sim/pay/${action}`, body);
      if (!alive()) return;
      await load();
      if (alive()) setStatus(action === 'approve'
        ? `${done.app}의 ${won(done.amount)} 결제를 승인했어요. 파트너 서버가 execute-payment로 결제를 완료해요.`
        : `${done.app}의 결제를 취소했어요 (PAY_CANCEL).`, 'ok');
    } catch (e) {
      if (alive()) showErr(e);
      for (const b of btns) b.disabled = false;
    }
  };
  const load = async () => {
    const u = getUser();
    if (!u) {
      box.replaceChildren();
      return;
    }
    const r = await api('GET', `/admin/v1/payments?user=${enc(u.id)}&pending=true`);
    if (!alive() || !getUser() || getUser().id !== u.id) return;
    const pending = r.payments || [];
    // Keep what the user is choosing: re-render only when the set of payments changed.
    const key = pending.map((p) => p.pay_token).join(',');
    if (box.dataset.key === key && box.firstChild) return;
    box.dataset.key = key;
    if (!pending.length) {
      box.replaceChildren(h('p', T('toss-pay-empty', { class: 'empty' }), '기다리는 결제가 없어요.'));
      return;
    }
    box.replaceChildren(h('ul', { class: 'plain' }, pending.map((p) => {
      const only = p.enable_pay_methods;
      const method = h('select', T(`toss-pay-method-${p.pay_token}`, { 'aria-label': '결제 수단' }),
        (!only || only === 'CARD') ? h('option', { value: 'CARD' }, '카드') : null,
        (!only || only === 'TOSS_MONEY') ? h('option', { value: 'TOSS_MONEY' }, '토스머니') : null);
      const card = h('select', T(`toss-pay-card-${p.pay_token}`, { 'aria-label': '카드사' }),
        CARD_COMPANIES.map(([c, n]) => h('option', { value: c }, n)));
      card.hidden = method.value !== 'CARD';
      method.addEventListener('change', () => { card.hidden = method.value !== 'CARD'; });
      const ok = h('button', T(`toss-pay-approve-${p.pay_token}`, { type: 'button', class: 'primary' }), `${won(p.amount)} 결제하기`);
      const no = h('button', T(`toss-pay-decline-${p.pay_token}`, { type: 'button', class: 'link' }), '취소');
      ok.addEventListener('click', () => act(p, 'approve',
        method.value === 'CARD' ? { pay_token: p.pay_token, method: 'CARD', card_company_code: card.value } : { pay_token: p.pay_token, method: method.value },
        [ok, no]));
      no.addEventListener('click', () => act(p, 'decline', { pay_token: p.pay_token }, [ok, no]));
      return h('li', T(`toss-pay-${p.pay_token}`, { class: 'sim-link' }),
        h('p', null, h('strong', null, p.app), ' · ', p.product_desc),
        h('p', { class: 'hint' }, `주문 ${p.order_no} · ${p.mode} · ${fmtTime(p.expires_at)}까지 승인`),
        h('div', { class: 'inline' }, method, card),
        h('div', { class: 'inline' }, ok, no));
    })));
  };
  return { box, load };
}

// ---------- 인앱 결제 (app page section, simulator) ----------
const ORDER_STATUS = {
  ORDER_IN_PROGRESS: ['진행 중', 'amber'], PAYMENT_COMPLETED: ['결제 완료', 'green'], FAILED: ['실패', 'red'], REFUNDED: ['환불됨', 'grey'],
};
function orderBadge(o) {
  const [label, kind] = ORDER_STATUS[o.status] || [o.status || '?', 'grey'];
  return h('span', { class: 'badge ' + kind, testid: 'iap-order-status', data: { status: o.status } }, label);
}
function iapSection(appName, alive) {
  const path = `/admin/v1/apps/${enc(appName)}/products`;
  const inp = (id, attrs) => h('input', T(id, Object.assign({ type: 'text', autocomplete: 'off' }, attrs)));
  const sku = inp('iap-sku', { placeholder: 'gem_100' });
  const name = inp('iap-name', { placeholder: '보석 100개' });
  const price = inp('iap-price', { placeholder: '1200', inputmode: 'numeric' });
  const fields = {
    sku: field('sku', sku, 'A-Z a-z 0-9 . _ - (64자까지). 한 번 쓴 sku는 다시 쓸 수 없어요.', 'iap-error-sku'),
    name: field('상품 이름', name, null, 'iap-error-name'),
    price: field('가격 (원)', price, null, 'iap-error-price'),
  };
  const formErr = h('p', T('iap-add-error', { class: 'field-error', role: 'alert' }));
  const add = h('button', T('iap-add', { type: 'submit', class: 'primary' }), '상품 추가');
  const products = h('div', T('iap-products'), h('p', { class: 'muted' }, '불러오는 중…'));
  const orders = h('div', T('iap-orders'), h('p', { class: 'muted' }, '불러오는 중…'));
  const loadProducts = async () => {
    const r = await api('GET', path);
    if (!alive()) return;
    const list = r.products || [];
    products.replaceChildren(list.length
      ? table(['sku', '이름', '가격#', '상태', ''], list.map((p) => h('tr', { testid: 'iap-product-row', data: { sku: p.sku } },
          tdm(p.sku), td(p.name), tdn(won(p.price)),
          td(p.deleted_at ? badge('판매 중지', 'grey') : badge('판매 중', 'green')),
          td(p.deleted_at ? null : h('button', { type: 'button', class: 'small danger', testid: 'iap-product-delete', data: { sku: p.sku }, 'aria-label': `${p.sku} 판매 중지`, on: { click: () => del(p.sku) } }, '판매 중지')))))
      : h('p', T('iap-products-empty', { class: 'empty' }), '상품이 없어요. sku를 추가하면 시뮬레이터에서 살 수 있어요.'));
  };
  const loadOrders = async () => {
    const r = await api('GET', `/admin/v1/orders?app=${enc(appName)}`);
    if (!alive()) return;
    const list = r.orders || [];
    orders.replaceChildren(list.length
      ? table(['orderId', 'sku', '사용자', '금액#', '상태', '상태 시각'], list.map((o) => h('tr', { testid: 'iap-order-row', data: { orderId: o.order_id } },
          tdm(o.order_id), td(`${o.product_name} (${o.sku})`), td(`${o.user_id} · ${o.user_key}`), tdn(won(o.amount)),
          h('td', { class: 'badges' }, orderBadge(o), o.reason ? h('span', { class: 'hint' }, ` ${o.reason}`) : null),
          td(fmtTime(o.status_determined_at)))))
      : h('p', T('iap-orders-empty', { class: 'empty' }), '아직 주문이 없어요.'));
  };
  async function del(skuName) {
    if (!(await confirmDialog(`${skuName} 판매를 멈출까요? 이미 한 주문은 그대로 남고, sku는 다시 쓸 수 없어요.`, '판매 중지'))) return;
    try {
      await api('DELETE', `${path}/${enc(skuName)}`);
      if (!alive()) return;
      await loadProducts();
      if (alive()) setStatus(`${skuName} 판매를 멈췄어요.`, 'ok');
    } catch (e) {
      if (alive()) showErr(e);
    }
  }
  const form = h('form', { class: 'card', id: 'section-iap', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '인앱 결제')),
    h('p', { class: 'hint' }, '사용자가 토스 앱에서 상품을 사면(시뮬레이터, intoss sim iap buy) 파트너 서버는 get-order-status로 주문 상태를 확인하고 상품을 지급해요.'),
    h('div', { class: 'inline-form' }, Object.values(fields).map((f) => f.row)), formErr, h('div', { class: 'actions' }, add),
    h('h3', null, '상품'), products,
    h('h3', null, '주문'), orders);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    add.disabled = true;
    try {
      const p = await api('POST', path, { sku: sku.value.trim(), name: name.value.trim(), price: Number(price.value.replace(/[^\d-]/g, '') || 0) });
      if (!alive()) return;
      for (const i of [sku, name, price]) i.value = '';
      await loadProducts();
      if (alive()) setStatus(`상품 ${p.sku} (${won(p.price)})을(를) 추가했어요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      add.disabled = false;
    }
  });
  (async () => {
    try {
      await loadProducts();
      await loadOrders();
    } catch (e) {
      if (alive()) showErr(e, '인앱 결제');
    }
  })();
  every(3000, () => loadOrders().catch(() => {}));
  return form;
}
/** The simulator's 인앱 결제: buy a product of the chosen app, then complete, fail or refund the user's orders. */
function simIap(alive, getUser, getApp) {
  const skuSel = h('select', T('toss-iap-sku', { 'aria-label': '상품' }));
  const outcome = h('select', T('toss-iap-outcome', { 'aria-label': '결과' }),
    h('option', { value: 'PAYMENT_COMPLETED' }, '결제 완료'), h('option', { value: 'ORDER_IN_PROGRESS' }, '진행 중으로 두기'), h('option', { value: 'FAILED' }, '실패'));
  const buy = h('button', T('toss-iap-buy', { type: 'button', class: 'primary' }), '구매하기');
  const err = h('p', T('toss-iap-error', { class: 'field-error', role: 'alert' }));
  const list = h('div', T('toss-iap-orders'));
  const box = h('div', T('toss-iap'),
    h('p', { class: 'hint' }, '위에서 고른 앱의 상품을 사요. 그 앱에 먼저 로그인해야 해요.'),
    h('div', { class: 'inline' }, skuSel, outcome), h('div', { class: 'actions' }, buy), err, list);
  const loadProducts = async () => {
    const app = getApp();
    if (!app) {
      skuSel.replaceChildren();
      buy.disabled = true;
      return;
    }
    const r = await api('GET', `/admin/v1/apps/${enc(app)}/products`);
    if (!alive() || getApp() !== app) return;
    const onSale = (r.products || []).filter((p) => !p.deleted_at);
    skuSel.replaceChildren(...onSale.map((p) => h('option', { value: p.sku }, `${p.name} · ${won(p.price)}`)));
    buy.disabled = onSale.length === 0;
    err.textContent = onSale.length ? '' : `${app}에 판매 중인 상품이 없어요.`;
  };
  const update = async (o, status, btn) => {
    btn.disabled = true;
    try {
      const done = await api('POST', '/admin/v1/sim/iap/update', { order_id: o.order_id, status });
      if (!alive()) return;
      await loadOrders();
      if (alive()) setStatus(`주문 ${done.order_id}: ${(ORDER_STATUS[done.status] || [done.status])[0]}`, 'ok');
    } catch (e) {
      if (alive()) showErr(e);
      btn.disabled = false;
    }
  };
  const loadOrders = async () => {
    const u = getUser();
    if (!u) {
      list.replaceChildren();
      return;
    }
    const r = await api('GET', `/admin/v1/orders?user=${enc(u.id)}`);
    if (!alive() || !getUser() || getUser().id !== u.id) return;
    const recent = (r.orders || []).slice(0, 10);
    const key = recent.map((o) => `${o.order_id}:${o.status}`).join(',');
    if (list.dataset.key === key && list.firstChild) return;
    list.dataset.key = key;
    if (!recent.length) {
      list.replaceChildren(h('p', T('toss-iap-empty', { class: 'empty' }), '주문이 없어요.'));
      return;
    }
    list.replaceChildren(h('ul', { class: 'plain' }, recent.map((o) => {
      const btn = (id, label, status, cls) => {
        const b = h('button', T(`toss-iap-${id}-${o.order_id}`, { type: 'button', class: cls || '' }), label);
        b.addEventListener('click', () => update(o, status, b));
        return b;
      };
      const actions = o.status === 'ORDER_IN_PROGRESS'
        ? [btn('complete', '결제 완료', 'PAYMENT_COMPLETED', 'primary'), btn('fail', '실패', 'FAILED', 'link')]
        : o.status === 'PAYMENT_COMPLETED' ? [btn('refund', '환불', 'REFUNDED', 'link')] : [];
      return h('li', T(`toss-iap-order-${o.order_id}`, { class: 'sim-link' }),
        h('p', null, h('strong', null, o.app), ' · ', o.product_name, ' ', orderBadge(o)),
        h('p', { class: 'hint mono' }, o.order_id),
        actions.length ? h('div', { class: 'inline' }, actions) : null);
    })));
  };
  buy.addEventListener('click', async () => {
    err.textContent = '';
    const u = getUser();
    if (!u || !skuSel.value) return;
    buy.disabled = true;
    try {
      const o = await api('POST', '/admin/v1/sim/iap/purchase', { app: getApp(), user: u.id, sku: skuSel.value, outcome: outcome.value });
      if (!alive()) return;
      await loadOrders();
      if (alive()) setStatus(`${o.product_name}을(를) 샀어요: 주문 ${o.order_id} (${(ORDER_STATUS[o.status] || [o.status])[0]})`, 'ok');
    } catch (e) {
      if (alive()) err.textContent = errText(e);
    } finally {
      buy.disabled = false;
    }
  });
  return { box, loadProducts, loadOrders };
}

// ---------- 메시지 (app page section, simulator inbox) ----------
const TEMPLATE_STATUS = { IN_REVIEW: ['검수 중', 'amber'], APPROVED: ['승인됨', 'green'], REJECTED: ['반려됨', 'red'] };
function messageSection(appName, alive) {
  const path = `/admin/v1/apps/${enc(appName)}/templates`;
  const inp = (id, attrs) => h('input', T(id, Object.assign({ type: 'text', autocomplete: 'off' }, attrs)));
  const code = inp('msg-code', { placeholder: 'order_ready' });
  const title = inp('msg-title', { placeholder: '#{storeName} 주문 준비 완료' });
  const body = h('textarea', T('msg-body', { rows: 3, placeholder: '#{userName}님, #{date}에 주문하신 음료가 준비됐어요.' }));
  const push = h('input', T('msg-push', { type: 'checkbox', checked: true }));
  const inbox = h('input', T('msg-inbox', { type: 'checkbox', checked: true }));
  const fields = {
    template_set_code: field('templateSetCode', code, 'A-Z a-z 0-9 _ - (50자까지).', 'msg-error-template_set_code'),
    title: field('제목', title, '#{변수} 자리에 send-message의 context 값이 들어가요. userName은 사용자 이름으로 채워져요.', 'msg-error-title'),
    body: field('내용', body, null, 'msg-error-body'),
  };
  const pushErr = h('p', T('msg-error-push', { class: 'field-error', role: 'alert' }));
  const pushRow = h('div', { class: 'field' }, h('label', { for: 'msg-push' }, push, ' 푸시로 보내기'), ' ', h('label', { for: 'msg-inbox' }, inbox, ' 알림함에 남기기'), pushErr);
  const formErr = h('p', T('msg-add-error', { class: 'field-error', role: 'alert' }));
  const add = h('button', T('msg-add', { type: 'submit', class: 'primary' }), '템플릿 추가 (검수 요청)');
  const templates = h('div', T('msg-templates'), h('p', { class: 'muted' }, '불러오는 중…'));
  const sent = h('div', T('msg-sent'), h('p', { class: 'muted' }, '불러오는 중…'));
  const review = async (t, approve, btn) => {
    let reason = null;
    if (!approve) {
      if (!(await confirmDialog(`${t.template_set_code} 템플릿을 반려할까요? 반려된 템플릿은 보낼 수 없어요.`, '반려'))) return;
      reason = '콘솔에서 반려';
    }
    btn.disabled = true;
    try {
      const done = await api('POST', `${path}/${enc(t.template_set_code)}/review`, approve ? { approve: true } : { approve: false, reason });
      if (!alive()) return;
      await loadTemplates();
      if (alive()) setStatus(`${done.template_set_code}: ${(TEMPLATE_STATUS[done.status] || [done.status])[0]}`, 'ok');
    } catch (e) {
      if (alive()) showErr(e);
      btn.disabled = false;
    }
  };
  const loadTemplates = async () => {
    const r = await api('GET', path);
    if (!alive()) return;
    const list = r.templates || [];
    templates.replaceChildren(list.length
      ? table(['code', '제목', '변수', '채널', '상태', ''], list.map((t) => {
          const [label, kind] = TEMPLATE_STATUS[t.status] || [t.status, 'grey'];
          const ok = h('button', { type: 'button', class: 'small primary', testid: 'msg-approve', data: { code: t.template_set_code } }, '승인');
          const no = h('button', { type: 'button', class: 'small danger', testid: 'msg-reject', data: { code: t.template_set_code } }, '반려');
          ok.addEventListener('click', () => review(t, true, ok));
          no.addEventListener('click', () => review(t, false, no));
          return h('tr', { testid: 'msg-template-row', data: { code: t.template_set_code } },
            tdm(t.template_set_code), td(t.title), td((t.variables || []).join(', ')),
            td([t.push ? '푸시' : null, t.inbox ? '알림함' : null].filter(Boolean).join(' + ')),
            h('td', { class: 'badges' }, h('span', { class: 'badge ' + kind, testid: 'msg-template-status', data: { status: t.status } }, label),
              t.review_reason ? h('span', { class: 'hint' }, ` ${t.review_reason}`) : null),
            td(t.status === 'IN_REVIEW' ? h('span', { class: 'inline' }, ok, no) : null));
        }))
      : h('p', { class: 'empty' }, '템플릿이 없어요. 추가하면 검수(승인) 뒤에 보낼 수 있어요.'));
  };
  const loadSent = async () => {
    const r = await api('GET', `/admin/v1/apps/${enc(appName)}/messages`);
    if (!alive()) return;
    const list = (r.messages || []).slice(0, 50);
    sent.replaceChildren(list.length
      ? table(['시각', '사용자', '채널', '내용'], list.map((m) => h('tr', { testid: 'msg-row', data: { contentId: m.content_id } },
          td(fmtTime(m.created_at)), td(m.user_key == null ? `${m.user_id} · 익명 키` : `${m.user_id} · ${m.user_key}`), td(`${m.channel === 'PUSH' ? '푸시' : '알림함'}${m.test ? ' (테스트)' : ''}`),
          td(h('strong', null, m.title), h('br'), m.body))))
      : h('p', { class: 'empty' }, '아직 보낸 메시지가 없어요.'));
  };
  const form = h('form', { class: 'card', id: 'section-messages', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '메시지 (기능성 푸시, 알림)')),
    h('p', { class: 'hint' }, '파트너 서버가 send-message로 승인된 템플릿을 보내요. 실제로 휴대폰에 가지 않고, 시뮬레이터의 알림함에 보여요.'),
    Object.values(fields).map((f) => f.row),
    pushRow,
    formErr, h('div', { class: 'actions' }, add),
    h('h3', null, '템플릿'), templates,
    h('h3', null, '보낸 메시지'), sent);
  const allFields = Object.assign({}, fields, { push: { row: pushRow, err: pushErr } });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(allFields, formErr);
    add.disabled = true;
    try {
      const t = await api('POST', path, { template_set_code: code.value.trim(), title: title.value, body: body.value, push: push.checked, inbox: inbox.checked });
      if (!alive()) return;
      for (const i of [code, title, body]) i.value = '';
      await loadTemplates();
      if (alive()) setStatus(`템플릿 ${t.template_set_code}을(를) 추가했어요. 검수 중이에요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, allFields, formErr);
    } finally {
      add.disabled = false;
    }
  });
  (async () => {
    try {
      await loadTemplates();
      await loadSent();
    } catch (e) {
      if (alive()) showErr(e, '메시지');
    }
  })();
  every(3000, () => loadSent().catch(() => {}));
  return form;
}
/** The simulator's 알림함: every push and inbox entry the user received, rendered. */
function simInbox(alive, getUser) {
  const box = h('div', T('toss-inbox'));
  const load = async () => {
    const u = getUser();
    if (!u) {
      box.replaceChildren();
      return;
    }
    const r = await api('GET', `/admin/v1/users/${enc(u.id)}/inbox`);
    if (!alive() || !getUser() || getUser().id !== u.id) return;
    const list = (r.messages || []).slice(0, 20);
    const key = list.map((m) => m.content_id).join(',');
    if (box.dataset.key === key && box.firstChild) return;
    box.dataset.key = key;
    box.replaceChildren(list.length
      ? h('ul', { class: 'plain' }, list.map((m) => h('li', { class: 'sim-link', testid: 'toss-inbox-item', data: { contentId: m.content_id, channel: m.channel } },
          h('p', { class: 'hint' }, `${m.channel === 'PUSH' ? '푸시' : '알림'} · ${m.app}${m.test ? ' · 테스트' : ''} · ${fmtTime(m.created_at)}`),
          h('p', null, h('strong', null, m.title)),
          h('p', null, m.body))))
      : h('p', T('toss-inbox-empty', { class: 'empty' }), '받은 알림이 없어요.'));
  };
  return { box, load };
}

// ---------- 프로모션 (app page section, simulator points) ----------
const PROMO_STATE = { RUNNING: ['진행 중', 'green'], PAUSED: ['일시 중지', 'amber'], ENDED: ['종료', 'grey'] };
const PROMO_RESULT = { PENDING: ['지급 중', 'amber'], SUCCESS: ['지급 완료', 'green'], FAILED: ['지급 실패', 'red'] };
const points = (n) => `${Number(n || 0).toLocaleString('ko-KR')}P`;
function promotionSection(appName, alive) {
  const path = `/admin/v1/apps/${enc(appName)}/promotions`;
  const inp = (id, attrs) => h('input', T(id, Object.assign({ type: 'text', autocomplete: 'off' }, attrs)));
  const code = inp('promo-code', { placeholder: 'WELCOME_2026' });
  const name = inp('promo-name', { placeholder: '가입 환영 포인트' });
  const budget = inp('promo-budget', { placeholder: '100000', inputmode: 'numeric' });
  const perGrant = inp('promo-per-grant', { placeholder: '1000', inputmode: 'numeric' });
  const settle = inp('promo-settle', { placeholder: '2', inputmode: 'numeric' });
  const fields = {
    promotion_code: field('promotionCode', code, 'TEST_로 시작할 수 없어요 (TEST_코드는 예산을 쓰지 않는 테스트 실행이에요).', 'promo-error-promotion_code'),
    name: field('이름', name, null, 'promo-error-name'),
    budget: field('예산 (포인트)', budget, null, 'promo-error-budget'),
    per_grant_max: field('1회 최대 (포인트)', perGrant, null, 'promo-error-per_grant_max'),
    settle_secs: field('지급까지 (초)', settle, 'execution-result가 이 시간 동안 PENDING이에요. 비우면 2초.', 'promo-error-settle_secs'),
  };
  const formErr = h('p', T('promo-add-error', { class: 'field-error', role: 'alert' }));
  const add = h('button', T('promo-add', { type: 'submit', class: 'primary' }), '프로모션 추가');
  const list = h('div', T('promo-list'), h('p', { class: 'muted' }, '불러오는 중…'));
  const execs = h('div', T('promo-execs'), h('p', { class: 'muted' }, '불러오는 중…'));
  const num = (el) => Number(el.value.replace(/[^\d-]/g, '') || 0);
  const setState = async (p, state, btn) => {
    if (state === 'ENDED' && !(await confirmDialog(`${p.promotion_code} 프로모션을 종료할까요? 종료하면 다시 진행할 수 없어요.`, '종료'))) return;
    btn.disabled = true;
    try {
      const done = await api('PATCH', `${path}/${enc(p.promotion_code)}`, { state });
      if (!alive()) return;
      await loadList();
      if (alive()) setStatus(`${done.promotion_code}: ${(PROMO_STATE[done.state] || [done.state])[0]}`, 'ok');
    } catch (e) {
      if (alive()) showErr(e);
      btn.disabled = false;
    }
  };
  const loadList = async () => {
    const r = await api('GET', path);
    if (!alive()) return;
    const ps = r.promotions || [];
    list.replaceChildren(ps.length
      ? table(['code', '이름', '남은 예산#', '예산#', '1회 최대#', '상태', ''], ps.map((p) => {
          const [label, kind] = PROMO_STATE[p.state] || [p.state, 'grey'];
          const b = (id, text, state, cls) => {
            const el = h('button', { type: 'button', class: 'small ' + (cls || ''), testid: id, data: { code: p.promotion_code } }, text);
            el.addEventListener('click', () => setState(p, state, el));
            return el;
          };
          const actions = p.state === 'RUNNING' ? [b('promo-pause', '일시 중지', 'PAUSED'), b('promo-end', '종료', 'ENDED', 'danger')]
            : p.state === 'PAUSED' ? [b('promo-resume', '재개', 'RUNNING', 'primary'), b('promo-end', '종료', 'ENDED', 'danger')] : [];
          return h('tr', { testid: 'promo-row', data: { code: p.promotion_code } },
            tdm(p.promotion_code), td(p.name), tdn(points(p.remaining)), tdn(points(p.budget)), tdn(points(p.per_grant_max)),
            td(h('span', { class: 'badge ' + kind, testid: 'promo-state', data: { state: p.state } }, label)),
            td(actions.length ? h('span', { class: 'inline' }, actions) : null));
        }))
      : h('p', { class: 'empty' }, '프로모션이 없어요.'));
  };
  const loadExecs = async () => {
    const r = await api('GET', `/admin/v1/apps/${enc(appName)}/promotion-executions`);
    if (!alive()) return;
    const es = (r.executions || []).slice(0, 50);
    execs.replaceChildren(es.length
      ? table(['시각', '프로모션', '사용자', '포인트#', '결과'], es.map((e) => {
          const [label, kind] = PROMO_RESULT[e.status] || [e.status, 'grey'];
          return h('tr', { testid: 'promo-exec-row', data: { key: e.key } },
            td(fmtTime(e.created_at)), tdm(`${e.test ? 'TEST_' : ''}${e.promotion_code}`), td(`${e.user_id} · ${e.user_key}`), tdn(points(e.amount)),
            td(badge(label + (e.test ? ' (테스트)' : ''), kind)));
        }))
      : h('p', { class: 'empty' }, '아직 실행이 없어요.'));
  };
  const form = h('form', { class: 'card', id: 'section-promotions', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '프로모션 (토스 포인트)')),
    h('p', { class: 'hint' }, '파트너 서버가 get-key → execute-promotion → execution-result 순서로 포인트를 지급해요. 예산을 넘는 지급은 4112로 거절돼요.'),
    h('div', { class: 'inline-form' }, Object.values(fields).map((f) => f.row)), formErr, h('div', { class: 'actions' }, add),
    h('h3', null, '프로모션'), list, h('h3', null, '실행'), execs);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    add.disabled = true;
    try {
      const body = { promotion_code: code.value.trim(), name: name.value.trim(), budget: num(budget), per_grant_max: num(perGrant) };
      if (settle.value.trim()) body.settle_secs = num(settle);
      const p = await api('POST', path, body);
      if (!alive()) return;
      for (const i of [code, name, budget, perGrant, settle]) i.value = '';
      await loadList();
      if (alive()) setStatus(`프로모션 ${p.promotion_code} (${points(p.budget)})을(를) 추가했어요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      add.disabled = false;
    }
  });
  (async () => {
    try {
      await loadList();
      await loadExecs();
    } catch (e) {
      if (alive()) showErr(e, '프로모션');
    }
  })();
  every(3000, () => {
    loadList().catch(() => {});
    loadExecs().catch(() => {});
  });
  return form;
}
// ---------- 장애 주입 (app page section) ----------
const FAULT_KINDS = [
  ['FAIL', 'FAIL 응답 (HTTP 200)', 'errorCode (예: INTERNAL_ERROR)'],
  ['RESULT_TYPE', 'resultType', 'HTTP_TIMEOUT · NETWORK_ERROR · INTERRUPTED'],
  ['LATENCY', '지연', '밀리초 (예: 300)'],
  ['RESET', '연결 끊기', ''],
  ['INVALID_GRANT', 'invalid_grant (HTTP 400)', ''],
  ['RATE_LIMIT', '429 (Retry-After)', '초 (예: 5)'],
];
function faultText(a) {
  switch (a.kind) {
    case 'FAIL': return `FAIL ${a.error_code}`;
    case 'RESULT_TYPE': return `resultType ${a.result_type}`;
    case 'LATENCY': return a.sigma ? `+${a.ms} ms (중앙값, sigma ${a.sigma})` : `+${a.ms} ms`;
    case 'RESET': return '연결 끊기';
    case 'INVALID_GRANT': return '400 invalid_grant';
    case 'RATE_LIMIT': return `429, Retry-After ${a.retry_after_secs}`;
    default: return a.kind;
  }
}
function faultSection(appName, alive) {
  const base = `/admin/v1/apps/${enc(appName)}/faults`;
  const prefix = h('input', T('fault-path', { type: 'text', autocomplete: 'off', value: '/api-partner/' }));
  const prob = h('input', T('fault-p', { type: 'number', step: 'any', value: '1' }));
  const kind = h('select', T('fault-kind'), FAULT_KINDS.map(([k, label]) => h('option', { value: k }, label)));
  const value = h('input', T('fault-value', { type: 'text', autocomplete: 'off', placeholder: FAULT_KINDS[0][2] }));
  const valueField = field('값', value, null, 'fault-error-value');
  const fields = {
    path_prefix: field('경로 접두사', prefix, '이 경로로 시작하는 요청에만 적용해요.', 'fault-error-path_prefix'),
    probability: field('확률', prob, '0보다 크고 1 이하', 'fault-error-probability'),
    kind: field('동작', kind, null, 'fault-error-kind'),
    value: valueField,
    'action.error_code': valueField, 'action.result_type': valueField, 'action.ms': valueField,
    'action.retry_after_secs': valueField,
  };
  kind.addEventListener('change', () => {
    const k = FAULT_KINDS.find(([x]) => x === kind.value);
    value.placeholder = k[2];
    value.disabled = !k[2];
  });
  const formErr = h('p', T('fault-add-error', { class: 'field-error', role: 'alert' }));
  const add = h('button', T('fault-add', { type: 'submit', class: 'primary' }), '장애 추가');
  const clear = h('button', T('fault-clear', { type: 'button', class: 'small' }), '모두 지우기');
  const list = h('div', T('fault-list'), h('p', { class: 'muted' }, '불러오는 중…'));
  const load = async () => {
    const r = await api('GET', base);
    if (!alive()) return;
    const fs = r.faults || [];
    list.replaceChildren(fs.length
      ? table(['ID', '경로', '확률#', '동작', ''], fs.map((f) => h('tr', T('fault-row', { id: 'fault-row-' + f.id, data: { id: f.id, kind: f.action.kind } }),
        h('td', { class: 'mono' }, f.id), h('td', { class: 'mono' }, f.path_prefix), h('td', { class: 'num' }, String(f.probability)),
        h('td', null, faultText(f.action)),
        h('td', null, h('button', T('fault-delete-' + f.id, { type: 'button', class: 'small', testid: 'fault-delete', data: { id: f.id }, on: { click: async (ev) => {
          ev.target.disabled = true;
          try {
            await api('DELETE', `${base}/${enc(f.id)}`);
            if (alive()) { await load(); setStatus(`장애 ${f.id}을(를) 지웠어요.`, 'ok'); }
          } catch (e) { if (alive()) showErr(e); }
        } } }), '지우기')))))
      : h('p', T('fault-empty', { class: 'empty' }), '주입된 장애가 없어요.'));
  };
  const form = h('form', { class: 'card', id: 'section-faults', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '장애 주입'), clear),
    h('p', { class: 'hint' }, '이 앱의 게이트웨이 응답 일부를 실패·지연·연결 끊김으로 바꿔요. 재시도와 오류 처리를 시험할 때 쓰세요. CLI: intoss fault add --app ' + appName),
    h('div', { class: 'inline-form' }, fields.path_prefix.row, fields.probability.row, fields.kind.row, valueField.row),
    formErr, h('div', { class: 'actions' }, add), list);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    const p = Number(prob.value);
    const v = value.value.trim();
    const action = { kind: kind.value };
    if (kind.value === 'FAIL') action.error_code = v;
    if (kind.value === 'RESULT_TYPE') action.result_type = v;
    if (kind.value === 'LATENCY') action.ms = Number(v);
    if (kind.value === 'RATE_LIMIT') action.retry_after_secs = Number(v);
    if ((kind.value === 'LATENCY' || kind.value === 'RATE_LIMIT') && !/^\d+$/.test(v)) {
      applyFieldError({ field: 'value', reason: '숫자를 입력해 주세요' }, fields, formErr);
      return;
    }
    add.disabled = true;
    try {
      const f = await api('POST', base, { path_prefix: prefix.value.trim(), probability: p, action });
      if (!alive()) return;
      await load();
      setStatus(`장애 ${f.id}을(를) 추가했어요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      add.disabled = false;
    }
  });
  clear.addEventListener('click', async () => {
    clear.disabled = true;
    try {
      const r = await api('DELETE', base);
      if (alive()) { await load(); setStatus(`장애 ${r.removed}개를 지웠어요.`, 'ok'); }
    } catch (e) { if (alive()) showErr(e); } finally { clear.disabled = false; }
  });
  load().catch((e) => { if (alive()) showErr(e, '장애 주입'); });
  return form;
}

// ---------- 샌드박스: 테스트 모드, 시계, 초기화, 요청 기록 (app page section) ----------
function sandboxSection(appName, alive) {
  const base = `/admin/v1/apps/${enc(appName)}`;
  const testMode = h('input', T('sandbox-test-mode', { type: 'checkbox' }));
  const clock = h('span', T('sandbox-clock', { class: 'mono' }), '…');
  const offset = h('span', T('sandbox-offset', { class: 'muted' }));
  const by = h('input', T('clock-by', { type: 'text', autocomplete: 'off', placeholder: '8d · 36h · 90m · 45s' }));
  const byField = field('시계 앞으로', by, '이 앱의 코드·토큰·결제·프로모션 키·본인확인·인증서 만료 경고가 이 시계를 따라요. TLS 인증서 유효기간은 실제 시간 그대로예요.', 'clock-error-by');
  const fields = { by: byField };
  const formErr = h('p', T('clock-error', { class: 'field-error', role: 'alert' }));
  const advance = h('button', T('clock-advance', { type: 'submit', class: 'primary' }), '시계 돌리기');
  const resetClock = h('button', T('clock-reset', { type: 'button', class: 'small' }), '실제 시간으로');
  const resetApp = h('button', T('sandbox-reset', { type: 'button', class: 'small danger' }), '앱 상태 초기화');
  const resetResult = h('p', T('sandbox-reset-result', { class: 'muted' }));
  const show = (s) => {
    testMode.checked = !!s.test_mode;
    clock.textContent = s.now;
    const days = s.clock_offset_secs / 86400;
    offset.textContent = s.clock_offset_secs ? ` (실제보다 ${s.clock_offset_secs.toLocaleString()}초, ${days.toFixed(2)}일 앞)` : ' (실제 시간)';
  };
  const load = async () => {
    const s = await api('GET', `${base}/sandbox`);
    if (alive()) show(s);
  };
  testMode.addEventListener('change', async () => {
    testMode.disabled = true;
    try {
      const s = await api('PATCH', `${base}/sandbox`, { test_mode: testMode.checked });
      if (alive()) { show(s); setStatus(`테스트 모드를 ${s.test_mode ? '켰어요' : '껐어요'}.`, 'ok'); }
    } catch (e) { if (alive()) { showErr(e); await load(); } } finally { testMode.disabled = false; }
  });
  const form = h('form', { class: 'card', id: 'section-sandbox', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '샌드박스'), resetApp),
    h('p', { class: 'hint' }, 'CLI: intoss clock advance --app ' + appName + ' 8d · intoss sandbox reset --app ' + appName),
    h('div', { class: 'field' }, h('label', { for: 'sandbox-test-mode' }, testMode, ' 테스트 모드'),
      h('p', { class: 'hint' }, '켜면 이 앱이 요청마다 X-Intoss-Fault 헤더로 장애를 넣을 수 있고, 요청 기록에 본문이 개인 정보를 가린 채 남아요.')),
    h('p', null, '이 앱의 시계: ', clock, offset),
    h('div', { class: 'inline-form' }, byField.row),
    formErr, h('div', { class: 'actions' }, advance, resetClock), resetResult);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    advance.disabled = true;
    try {
      const s = await api('POST', `${base}/clock/advance`, { by: by.value.trim() });
      if (!alive()) return;
      show(s);
      setStatus(`${appName}의 시계를 ${by.value.trim()} 앞으로 돌렸어요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally { advance.disabled = false; }
  });
  resetClock.addEventListener('click', async () => {
    resetClock.disabled = true;
    try {
      const s = await api('DELETE', `${base}/clock`);
      if (alive()) { show(s); setStatus('시계를 실제 시간으로 되돌렸어요.', 'ok'); }
    } catch (e) { if (alive()) showErr(e); } finally { resetClock.disabled = false; }
  });
  resetApp.addEventListener('click', async () => {
    const ok = await confirmDialog(`${appName}의 샌드박스 상태(로그인 연결, 결제, 주문, 상품, 템플릿, 메시지, 프로모션, 장애, 요청 기록)를 지울까요? 앱과 인증서는 남아요. 되돌릴 수 없어요.`, '초기화');
    if (!ok || !alive()) return;
    resetApp.disabled = true;
    try {
      const r = await api('POST', `${base}/reset`, {});
      if (!alive()) return;
      resetResult.textContent = `${r.removed}개 행을 지우고 시드 ${r.reseeded}개를 다시 썼어요.`;
      setStatus(`${appName}의 샌드박스 상태를 초기화했어요.`, 'ok');
      await Promise.all([load(), loadJournal(true)]);
    } catch (e) { if (alive()) showErr(e); } finally { resetApp.disabled = false; }
  });

  // 요청 기록: the journal, polled every two seconds while the page is open.
  const rows = [];
  let next = 0;
  const list = h('div', T('journal-list'), h('p', T('journal-empty', { class: 'empty' }), '아직 요청이 없어요.'));
  const row = (q) => {
    const body = q.request_body !== undefined || q.response_body !== undefined
      ? h('details', T('journal-body-' + q.seq, { testid: 'journal-body' }), h('summary', null, '본문 (가림)'),
        h('pre', { class: 'mono' }, '요청 ' + JSON.stringify(q.request_body) + '\n응답 ' + JSON.stringify(q.response_body)))
      : null;
    return h('tr', T('journal-row-' + q.seq, { testid: 'journal-row', data: { seq: String(q.seq), status: String(q.status) } }),
      tdm(q.at.replace('T', ' ').replace('Z', '')), td(q.method), tdm(q.path), tdn(String(q.status)),
      tdm(q.error_code || ''), tdm(q.cert_serial.slice(0, 12)), tdn(String(q.remaining)), tdn(q.latency_ms.toFixed(1)), td(body));
  };
  const loadJournal = async (restart) => {
    if (restart) { rows.length = 0; next = 0; }
    const r = await api('GET', `${base}/requests?after=${next}`);
    if (!alive()) return;
    next = r.next;
    rows.push(...r.requests);
    rows.splice(0, Math.max(0, rows.length - 200));
    list.replaceChildren(rows.length
      ? table(['시각', '메서드', '경로', '상태#', 'errorCode', '인증서', '남은 요청#', 'ms#', ''], rows.slice().reverse().map(row))
      : h('p', T('journal-empty', { class: 'empty' }), '아직 요청이 없어요.'));
  };
  const poll = async () => {
    if (!alive()) return;
    try { await loadJournal(false); } catch (e) { if (alive()) showErr(e, '요청 기록'); }
    if (alive()) setTimeout(poll, 2000);
  };
  const journal = h('div', { class: 'card', id: 'section-journal' },
    h('h2', null, '요청 기록'),
    h('p', { class: 'hint' }, '이 노드가 받은 이 앱의 최근 게이트웨이 요청 200개예요. 헤더와 쿼리는 남지 않고, 본문은 테스트 모드 앱만 개인 정보를 가린 채 남아요. CLI: intoss logs tail --app ' + appName),
    list);
  load().catch((e) => { if (alive()) showErr(e, '샌드박스'); });
  poll();
  return h('div', { id: 'section-sandbox-all' }, form, journal);
}

// ---------- 이벤트 · 웹훅 (app page section) ----------
const EVENT_TYPES = ['PAYMENT_STATUS_CHANGED', 'ORDER_STATUS_CHANGED', 'PROMOTION_RESULT', 'LOGIN_UNLINKED',
  'CERTIFICATE_ISSUED', 'CERTIFICATE_REVOKED', 'CERTIFICATE_EXPIRING', 'IDENTITY_VERIFICATION_COMPLETED'];
const DELIVERY_STATE = { PENDING: ['재시도 대기', 'amber'], DELIVERED: ['전달됨', 'green'], FAILED: ['실패', 'red'] };
function eventSection(appName, alive) {
  const base = `/admin/v1/apps/${enc(appName)}`;
  const url = h('input', T('hook-url', { type: 'url', autocomplete: 'off', placeholder: 'https://partner.example/hooks/toss' }));
  const format = h('select', T('hook-format'), h('option', { value: 'STANDARD' }, 'Standard Webhooks (서명)'), h('option', { value: 'TOSS' }, '토스페이먼츠 호환'));
  const local = h('input', T('hook-local', { type: 'checkbox' }));
  const types = h('input', T('hook-types', { type: 'text', autocomplete: 'off', placeholder: '비우면 모든 이벤트 (예: PAYMENT_STATUS_CHANGED, LOGIN_UNLINKED)' }));
  const fields = {
    url: field('URL', url, '사설·루프백 주소는 아래 "로컬 주소 허용"을 켜야 보낼 수 있어요 (SSRF 방지).', 'hook-error-url'),
    format: field('형식', format, null, 'hook-error-format'),
    event_types: field('이벤트', types, null, 'hook-error-event_types'),
    local: field('로컬 주소 허용', local, null, 'hook-error-local'),
  };
  const formErr = h('p', T('hook-add-error', { class: 'field-error', role: 'alert' }));
  const add = h('button', T('hook-add', { type: 'submit', class: 'primary' }), '엔드포인트 추가');
  const secretBox = h('div', T('hook-secret-panel', { class: 'notice', hidden: true }));
  const showSecret = (what, secret) => {
    secretBox.hidden = false;
    secretBox.replaceChildren(h('p', null, `${what} 서명 시크릿이에요. 지금 한 번만 보여요.`),
      h('p', null, h('code', T('hook-secret'), secret), ' ', copyButton(() => secret)));
  };
  const list = h('div', T('hook-list'), h('p', { class: 'muted' }, '불러오는 중…'));
  const events = h('div', T('event-list'), h('p', { class: 'muted' }, '불러오는 중…'));
  const opened = new Set();
  const sample = h('select', T('event-sample-type'), EVENT_TYPES.map((t) => h('option', { value: t }, t)));
  const trigger = h('button', T('event-trigger', { type: 'button', class: 'small' }), '샘플 이벤트 보내기');
  const act = async (btn, method, path, body, done) => {
    btn.disabled = true;
    try {
      const r = await api(method, path, body);
      if (!alive()) return;
      await loadAll();
      if (alive()) done(r);
    } catch (e) {
      if (alive()) showErr(e);
    } finally {
      btn.disabled = false;
    }
  };
  const loadList = async () => {
    const r = await api('GET', `${base}/webhook-endpoints`);
    if (!alive()) return;
    const es = r.endpoints || [];
    list.replaceChildren(es.length
      ? table(['ID', '종류', '형식', 'URL', '이벤트', '상태', ''], es.map((e) => {
          const b = (id, text, cls, fn) => {
            const el = h('button', { type: 'button', class: 'small ' + (cls || ''), testid: id, data: { id: e.id } }, text);
            el.addEventListener('click', () => fn(el));
            return el;
          };
          const ep = `/admin/v1/webhook-endpoints/${enc(e.id)}`;
          const actions = [
            b('hook-rotate', '시크릿 교체', '', (el) => act(el, 'POST', `${ep}/rotate-secret`, undefined, (r2) => showSecret('새', r2.secret))),
            e.secret_count > 1 ? b('hook-retire', '이전 시크릿 폐기', '', (el) => act(el, 'POST', `${ep}/retire-secret`, undefined, () => setStatus('이제 새 시크릿만 서명해요.', 'ok'))) : null,
            e.enabled ? b('hook-disable', '끄기', '', (el) => act(el, 'PATCH', ep, { enabled: false }, () => setStatus(`${e.id}: 꺼짐`, 'ok')))
              : b('hook-enable', '켜기', 'primary', (el) => act(el, 'PATCH', ep, { enabled: true }, () => setStatus(`${e.id}: 켜짐`, 'ok'))),
            b('hook-delete', '삭제', 'danger', async (el) => {
              if (await confirmDialog(`${e.url} 엔드포인트를 삭제할까요? 전달 기록도 지워져요.`, '삭제')) act(el, 'DELETE', ep, undefined, () => setStatus(`${e.id}을(를) 삭제했어요.`, 'ok'));
            }),
          ].filter(Boolean);
          const state = e.enabled ? badge('켜짐', 'green') : badge(e.disabled_reason ? `꺼짐: ${e.disabled_reason}` : '꺼짐', 'grey');
          return h('tr', { testid: 'hook-row', data: { id: e.id } }, tdm(e.id), td(e.kind === 'LISTEN' ? 'intoss listen' : '푸시'),
            td(e.format), tdm(e.url || '—'), td(e.event_types.length ? e.event_types.join(', ') : '전체'), td(state),
            td(h('span', { class: 'inline' }, actions)));
        }))
      : h('p', T('hook-empty', { class: 'empty' }), '엔드포인트가 없어요.'));
  };
  const loadEvents = async () => {
    const r = await api('GET', `${base}/events?limit=30`);
    if (!alive()) return;
    const es = r.events || [];
    events.replaceChildren(es.length
      ? h('div', null, es.map((e) => {
          const replay = h('button', { type: 'button', class: 'small', testid: 'event-replay', data: { id: e.id } }, '다시 보내기');
          replay.addEventListener('click', () => act(replay, 'POST', `/admin/v1/events/${enc(e.id)}/replay`, undefined, (r2) => setStatus(`${e.id}: ${r2.replayed}건 다시 보내요.`, 'ok')));
          const rows = e.deliveries.flatMap((d) => {
            const [label, kind] = DELIVERY_STATE[d.state] || [d.state, 'grey'];
            const head = h('tr', { testid: 'delivery-row', data: { endpoint: d.endpoint_id, state: d.state } }, tdm(d.endpoint_id),
              td(badge(label, kind, 'delivery-state')), tdn(String(d.attempts)), td(d.next_attempt_at ? fmtTime(d.next_attempt_at) : d.final_notice_at ? `최종 실패 알림 ${fmtTime(d.final_notice_at)}` : '—'));
            const tries = d.log.map((a) => h('tr', { class: 'sub', testid: 'attempt-row', data: { n: String(a.n) } }, td(`#${a.n}`),
              td(a.status != null ? `HTTP ${a.status}` : a.error || (a.finished_at ? '응답 없음' : '중단됨 (응답 전에 멈춤)')),
              tdn(a.latency_ms != null ? `${a.latency_ms}ms` : '—'), td(fmtTime(a.started_at))));
            return [head, ...tries];
          });
          const box = h('details', { class: 'subcard', testid: 'event-row', data: { id: e.id, type: e.event_type } },
            h('summary', null, h('strong', null, e.event_type), ` · ${fmtTime(e.created_at)} · `, h('code', null, e.id), ' ', replay),
            h('pre', { class: 'mono' }, JSON.stringify(e.data, null, 2)),
            rows.length ? table(['엔드포인트', '상태', '시도#', '다음'], rows) : h('p', { class: 'empty' }, '받을 엔드포인트가 없었어요.'));
          // The refresh keeps what the user opened open.
          box.open = opened.has(e.id);
          box.addEventListener('toggle', () => { if (box.open) opened.add(e.id); else opened.delete(e.id); });
          return box;
        }))
      : h('p', T('event-empty', { class: 'empty' }), '아직 이벤트가 없어요.'));
  };
  const loadAll = async () => {
    await loadList();
    await loadEvents();
  };
  trigger.addEventListener('click', () => act(trigger, 'POST', `${base}/events/trigger`, { type: sample.value }, (e) => setStatus(`샘플 ${e.type} 이벤트 ${e.id}을(를) 보냈어요.`, 'ok')));
  const form = h('form', { class: 'card', id: 'section-events', method: 'post', action: '/' },
    h('div', { class: 'card-head' }, h('h2', null, '이벤트 · 웹훅')),
    h('p', { class: 'hint' }, '결제·주문·프로모션·연결 끊기·인증서 이벤트를 서명해서 보내요. 실패하면 일정에 따라 재시도하고, 410이면 엔드포인트를 꺼요. 로컬에서는 intoss listen --app ' + appName + ' --forward-to http://127.0.0.1:3000/hook'),
    h('div', { class: 'inline-form' }, Object.values(fields).map((f) => f.row)), formErr, h('div', { class: 'actions' }, add), secretBox,
    h('h3', null, '엔드포인트'), list,
    h('h3', null, '이벤트'), h('p', { class: 'inline' }, sample, trigger), events);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields, formErr);
    add.disabled = true;
    try {
      const body = { url: url.value.trim(), format: format.value, local: local.checked, event_types: lines(types.value) };
      const r = await api('POST', `${base}/webhook-endpoints`, body);
      if (!alive()) return;
      url.value = '';
      types.value = '';
      await loadList();
      if (!alive()) return;
      showSecret(r.endpoint.id, r.secret);
      setStatus(`엔드포인트 ${r.endpoint.id}을(를) 추가했어요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, fields, formErr);
    } finally {
      add.disabled = false;
    }
  });
  loadAll().catch((e) => { if (alive()) showErr(e, '이벤트'); });
  every(3000, () => { loadAll().catch(() => {}); });
  return form;
}

/** The simulator's 토스 포인트: the user's balance and executions; a pending one can fail. */
function simPoints(alive, getUser) {
  const box = h('div', T('toss-points'));
  const load = async () => {
    const u = getUser();
    if (!u) {
      box.replaceChildren();
      return;
    }
    const r = await api('GET', `/admin/v1/users/${enc(u.id)}/points`);
    if (!alive() || !getUser() || getUser().id !== u.id) return;
    const entries = (r.entries || []).slice(0, 10);
    const key = `${r.balance}|` + entries.map((e) => `${e.key}:${e.status}`).join(',');
    if (box.dataset.key === key && box.firstChild) return;
    box.dataset.key = key;
    box.replaceChildren(
      h('p', null, '보유 포인트 ', h('strong', T('toss-points-balance'), points(r.balance))),
      entries.length
        ? h('ul', { class: 'plain' }, entries.map((e) => {
            const [label, kind] = PROMO_RESULT[e.status] || [e.status, 'grey'];
            let fail = null;
            if (e.status === 'PENDING') {
              fail = h('button', { type: 'button', class: 'small link', testid: 'toss-points-fail', data: { key: e.key } }, '지급 실패로');
              fail.addEventListener('click', async () => {
                fail.disabled = true;
                try {
                  await api('POST', '/admin/v1/sim/promotion/fail', { key: e.key });
                  if (!alive()) return;
                  await load();
                  if (alive()) setStatus(`${e.app}의 ${points(e.amount)} 지급이 실패했어요 (FAILED).`, 'ok');
                } catch (err) {
                  if (alive()) showErr(err);
                  fail.disabled = false;
                }
              });
            }
            return h('li', { class: 'sim-link', testid: 'toss-points-entry', data: { key: e.key, status: e.status } },
              h('p', null, h('strong', null, points(e.amount)), ` · ${e.app} · ${e.test ? 'TEST_' : ''}${e.promotion_code} `, badge(label, kind)), fail);
          }))
        : h('p', { class: 'empty' }, '받은 포인트가 없어요.'));
  };
  return { box, load };
}

// ---------- 토스 앱 시뮬레이터 ----------
const UNLINK_LABEL = { UNLINK: '연결 끊기', WITHDRAWAL_TERMS: '약관 동의 철회', WITHDRAWAL_TOSS: '토스 탈퇴' };
async function viewToss(main, alive) {
  const userSel = h('select', T('toss-user'));
  const appSel = h('select', T('toss-app'));
  const checks = SCOPES.map(([scope, label]) => {
    const box = h('input', T(`toss-scope-${scope}`, { type: 'checkbox', value: scope }));
    if (scope === 'USER_NAME' || scope === 'USER_PHONE') box.checked = true;
    return h('label', { class: 'check' }, box, ` ${label}`);
  });
  const loginBtn = h('button', T('toss-login', { type: 'button', class: 'primary' }), '토스로 로그인');
  const result = h('div', T('toss-result', { class: 'sim-result', hidden: true }));
  const loginErr = h('p', T('toss-error', { class: 'field-error', role: 'alert' }));
  const links = h('div', T('toss-links'), h('p', { class: 'muted' }, '불러오는 중…'));
  const leaveBtn = h('button', T('toss-leave', { type: 'button', class: 'danger' }), '토스 탈퇴 (WITHDRAWAL_TOSS)');
  const idvList = h('div', T('toss-idv'), h('p', { class: 'muted' }, '불러오는 중…'));
  let current = () => undefined;
  const payments = simPayments(alive, () => current());
  const purchases = simIap(alive, () => current(), () => appSel.value);
  const inboxView = simInbox(alive, () => current());
  const pointsView = simPoints(alive, () => current());

  // New user.
  const inp = (id, attrs) => h('input', T(id, Object.assign({ type: 'text', autocomplete: 'off' }, attrs)));
  const nu = {
    name: inp('toss-new-name', { placeholder: '이토스' }),
    phone: inp('toss-new-phone', { placeholder: '01012345678', inputmode: 'numeric', maxlength: 11 }),
    birthday: inp('toss-new-birthday', { placeholder: '19900101', inputmode: 'numeric', maxlength: 8 }),
    gender: h('select', T('toss-new-gender'), h('option', { value: 'FEMALE' }, 'FEMALE (여성)'), h('option', { value: 'MALE' }, 'MALE (남성)')),
    nationality: h('select', T('toss-new-nationality'), h('option', { value: 'LOCAL' }, 'LOCAL (내국인)'), h('option', { value: 'FOREIGNER' }, 'FOREIGNER (외국인)')),
    email: inp('toss-new-email', { placeholder: 'lee@example.com', inputmode: 'email' }),
  };
  const nuFields = {
    name: field('이름', nu.name, null, 'toss-new-error-name'),
    phone: field('휴대폰 번호', nu.phone, null, 'toss-new-error-phone'),
    birthday: field('생년월일 (YYYYMMDD)', nu.birthday, null, 'toss-new-error-birthday'),
    gender: field('성별', nu.gender, null, 'toss-new-error-gender'),
    nationality: field('국적', nu.nationality, null, 'toss-new-error-nationality'),
    email: field('이메일 (선택)', nu.email, null, 'toss-new-error-email'),
  };
  const nuErr = h('p', T('toss-new-error', { class: 'field-error', role: 'alert' }));
  const nuSubmit = h('button', T('toss-new-submit', { type: 'submit', class: 'primary' }), '사용자 추가');
  const nuForm = h('form', T('toss-new-form', { class: 'sim-form', method: 'post', action: '/' }),
    h('h3', null, '새 사용자'), Object.values(nuFields).map((f) => f.row), nuErr, h('div', { class: 'actions' }, nuSubmit));

  main.append(h('h1', null, '토스 앱 시뮬레이터'),
    h('p', { class: 'hint' }, '토스 앱 대신 사용자로 행동해요: 앱에 로그인해 인가 코드를 받고, 결제를 승인하고, 연결을 끊고, 본인확인 요청을 처리해요.'),
    h('div', { class: 'sim-wrap' },
      h('div', { class: 'phone' },
        h('div', { class: 'phone-bar' }, h('span', null, '토스')),
        h('div', { class: 'phone-body' },
          h('div', { class: 'field' }, h('label', { for: 'toss-user' }, '사용자'), userSel),
          h('div', { class: 'field' }, h('label', { for: 'toss-app' }, '로그인할 앱'), appSel),
          h('fieldset', { class: 'checks' }, h('legend', null, '동의 항목'), checks),
          loginBtn, loginErr, result,
          h('h3', null, '결제 요청 (토스페이)'), payments.box,
          h('h3', null, '인앱 결제'), purchases.box,
          h('h3', null, '알림함'), inboxView.box,
          h('h3', null, '토스 포인트'), pointsView.box,
          h('h3', null, '연결된 앱'), links, leaveBtn,
          h('h3', null, '본인확인 요청 (토스 인증)'), idvList))),
    h('section', { class: 'card' }, nuForm));

  let users = [];
  current = () => users.find((u) => u.id === userSel.value);
  const loadUsers = async (select) => {
    const r = await api('GET', '/admin/v1/users');
    if (!alive()) return;
    users = r.users || [];
    const keep = select || userSel.value;
    userSel.replaceChildren(...users.map((u) => h('option', { value: u.id }, `${u.name} (${u.id})${u.withdrawn_at ? ' · 탈퇴' : ''}`)));
    if (keep && users.some((u) => u.id === keep)) userSel.value = keep;
  };
  const loadApps = async () => {
    const r = await api('GET', '/admin/v1/apps');
    if (!alive()) return;
    const apps = r.apps || [];
    appSel.replaceChildren(...apps.map((a) => h('option', { value: a.name }, a.name)));
    loginBtn.disabled = apps.length === 0;
    if (!apps.length) loginErr.textContent = '먼저 앱을 만들어 주세요.';
  };
  const unlink = async (app, reason, btn) => {
    const u = current();
    if (!u) return;
    if (btn) btn.disabled = true;
    try {
      const r = await api('POST', '/admin/v1/sim/unlink', app ? { app, user: u.id, reason } : { user: u.id, reason });
      if (!alive()) return;
      const told = (r.unlinked || []).map((x) => `${x.app}${x.callback ? ' (콜백 보냄)' : ''}`).join(', ');
      setStatus(`${UNLINK_LABEL[reason]}: ${told || '연결된 앱 없음'}`, 'ok');
      await loadUsers();
      await loadLinks();
    } catch (e) {
      if (alive()) showErr(e);
    } finally {
      if (btn) btn.disabled = false;
    }
  };
  const loadLinks = async () => {
    const u = current();
    if (!u) {
      links.replaceChildren(h('p', { class: 'empty' }, '사용자가 없어요.'));
      return;
    }
    leaveBtn.disabled = !!u.withdrawn_at;
    loginBtn.disabled = !!u.withdrawn_at || !appSel.value;
    const r = await api('GET', `/admin/v1/users/${enc(u.id)}/links`);
    if (!alive()) return;
    const live = (r.links || []).filter((l) => !l.unlinked_at);
    if (!live.length) {
      links.replaceChildren(h('p', T('toss-links-empty', { class: 'empty' }), '연결된 앱이 없어요.'));
      return;
    }
    links.replaceChildren(h('ul', { class: 'plain' }, live.map((l) => h('li', T(`toss-link-${l.app}`, { class: 'sim-link' }),
      h('p', null, h('strong', null, l.app), ' · userKey ', h('span', { class: 'mono' }, String(l.user_key))),
      h('p', { class: 'hint' }, (l.scopes || []).join(', ') || '동의 항목 없음'),
      h('div', { class: 'inline' },
        h('button', T(`toss-unlink-${l.app}`, { type: 'button' }), '연결 끊기'),
        h('button', T(`toss-withdraw-${l.app}`, { type: 'button', class: 'link' }), '약관 동의 철회'))))));
    for (const l of live) {
      $(`toss-unlink-${l.app}`).addEventListener('click', (ev) => unlink(l.app, 'UNLINK', ev.currentTarget));
      $(`toss-withdraw-${l.app}`).addEventListener('click', (ev) => unlink(l.app, 'WITHDRAWAL_TERMS', ev.currentTarget));
    }
  };
  const loadIdv = async () => {
    const r = await api('GET', '/admin/v1/idv/transactions');
    if (!alive()) return;
    const open = (r.transactions || []).filter((t) => t.status === 'REQUESTED' || t.status === 'IN_PROGRESS');
    idvList.replaceChildren(open.length
      ? h('ul', { class: 'plain' }, open.map((t) => h('li', null,
        h('a', T(`toss-idv-${t.tx_id}`, { href: `/simulator/${enc(t.tx_id)}` }), `${t.app || '?'} · ${TX_TYPE[t.request_type] || t.request_type}`), ' ', txBadge(t.status))))
      : h('p', { class: 'empty' }, '기다리는 요청이 없어요.'));
  };

  loginBtn.addEventListener('click', async () => {
    loginErr.textContent = '';
    const u = current();
    if (!u) return;
    const scopes = SCOPES.map(([sc]) => sc).filter((sc) => $(`toss-scope-${sc}`).checked);
    loginBtn.disabled = true;
    try {
      const c = await api('POST', '/admin/v1/sim/login', { app: appSel.value, user: u.id, scopes });
      if (!alive()) return;
      result.hidden = false;
      result.replaceChildren(...[
        h('p', { class: 'sim-title' }, h('strong', null, appSel.value), '에 로그인했어요'),
        h('dl', { class: 'kv' },
          h('dt', null, '인가 코드'), h('dd', null, h('code', T('toss-code'), c.authorization_code), copyButton(() => c.authorization_code, '코드 복사')),
          h('dt', null, 'referrer'), h('dd', T('toss-referrer', { class: 'mono' }), c.referrer),
          h('dt', null, 'userKey'), h('dd', T('toss-user-key', { class: 'mono' }), String(c.user_key)),
          h('dt', null, '유효 시간'), h('dd', null, `${Math.round(c.expires_in / 60)}분 (한 번만 쓸 수 있어요)`)),
        c.return_url ? h('p', null, h('a', T('toss-return-link', { href: c.return_url, rel: 'noopener' }), '앱으로 돌아가기 →')) : null,
      ].filter(Boolean));
      setStatus('인가 코드를 받았어요. 파트너 서버가 generate-token으로 교환해요.', 'ok');
      await loadLinks();
    } catch (e) {
      if (alive()) loginErr.textContent = errText(e);
    } finally {
      loginBtn.disabled = false;
    }
  });
  leaveBtn.addEventListener('click', async () => {
    const u = current();
    if (u && await confirmDialog(`${u.name}이(가) 토스를 탈퇴할까요? 연결된 모든 앱에 WITHDRAWAL_TOSS 콜백이 가요.`, '탈퇴')) {
      unlink(null, 'WITHDRAWAL_TOSS', leaveBtn);
    }
  });
  userSel.addEventListener('change', () => {
    result.hidden = true;
    loadLinks().catch(showErr);
    payments.load().catch(showErr);
    purchases.loadOrders().catch(showErr);
    inboxView.load().catch(showErr);
    pointsView.load().catch(showErr);
  });
  appSel.addEventListener('change', () => purchases.loadProducts().catch(showErr));
  nuForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(nuFields, nuErr);
    const body = {
      name: nu.name.value.trim(),
      phone: nu.phone.value.replace(/\D/g, ''),
      birthday: nu.birthday.value.replace(/\D/g, ''),
      gender: nu.gender.value,
      nationality: nu.nationality.value,
    };
    if (nu.email.value.trim()) body.email = nu.email.value.trim();
    nuSubmit.disabled = true;
    try {
      const u = await api('POST', '/admin/v1/users', body);
      if (!alive()) return;
      for (const i of [nu.name, nu.phone, nu.birthday, nu.email]) i.value = '';
      await loadUsers(u.id);
      // The user's sections follow the selection (a change event does not fire for a script's).
      await Promise.all([loadLinks(), payments.load(), purchases.loadOrders(), inboxView.load(), pointsView.load()]);
      // Said last: the page is in its new state when the status line says so.
      setStatus(`사용자 ${u.name} (${u.id})을(를) 추가했어요.`, 'ok');
    } catch (e) {
      if (alive()) applyFieldError(e, nuFields, nuErr);
    } finally {
      nuSubmit.disabled = false;
    }
  });

  await Promise.all([loadUsers(), loadApps()]);
  await loadLinks();
  await Promise.all([loadIdv(), payments.load(), purchases.loadProducts(), purchases.loadOrders(), inboxView.load(), pointsView.load()]);
  every(3000, () => {
    loadIdv().catch(() => {});
    payments.load().catch(() => {});
    purchases.loadOrders().catch(() => {});
    inboxView.load().catch(() => {});
    pointsView.load().catch(() => {});
  });
}

// ---------- 토스 인증 ----------
async function viewIdv(main, alive) {
  const appSel = h('select', T('idv-client-app', { required: true }));
  const envSel = h('select', T('idv-client-env'), h('option', { value: 'test' }, 'test (테스트)'), h('option', { value: 'live' }, 'live (라이브)'));
  const submit = h('button', T('idv-client-submit', { type: 'submit', class: 'primary' }), '클라이언트 만들기');
  const formErr = h('p', T('idv-client-error', { class: 'field-error', role: 'alert' }));
  const secret = h('div');
  const clients = h('div', null, h('p', { class: 'muted' }, '불러오는 중…'));
  const txs = h('div', null, h('p', { class: 'muted' }, '불러오는 중…'));
  const certAddr = (S.endpoints && S.endpoints.cert) || '127.0.0.1:9443';
  const form = h('form', { class: 'inline-form', method: 'post', action: '/' },
    h('div', { class: 'field' }, h('label', { for: 'idv-client-app' }, '앱'), appSel),
    h('div', { class: 'field' }, h('label', { for: 'idv-client-env' }, '환경'), envSel),
    h('div', { class: 'field' }, submit));
  main.append(h('h1', null, '토스 인증'),
    h('p', { class: 'hint' }, '파트너 서버는 ', h('span', { class: 'mono' }, `https://${certAddr}`), '에서 토큰을 받고 본인확인 요청을 보내요. 사용자 쪽 동작은 시뮬레이터로 진행해요.'),
    h('section', { class: 'card' }, h('h2', null, '클라이언트'), form, formErr, secret, clients),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, '최근 요청'), h('span', { class: 'hint' }, '3초마다 새로 고침')), txs));

  const loadApps = async () => {
    const r = await api('GET', '/admin/v1/apps');
    if (!alive()) return;
    const apps = r.apps || [];
    const keep = appSel.value;
    appSel.replaceChildren(...apps.map((a) => h('option', { value: a.name }, a.name)));
    if (keep) appSel.value = keep;
    submit.disabled = apps.length === 0;
    if (!apps.length) formErr.textContent = '먼저 앱을 만들어 주세요.';
  };
  const loadClients = async () => {
    const r = await api('GET', '/admin/v1/idv/clients');
    if (!alive()) return;
    const list = r.clients || [];
    clients.replaceChildren(list.length
      ? table(['client_id', '앱', '환경', '생성일', ''], list.map((c) => h('tr', { testid: 'idv-client-row', data: { clientId: c.client_id } },
          tdm(c.client_id),
          td(c.app),
          td(badge(c.env, c.env === 'live' ? 'blue' : 'grey')),
          td(fmtTime(c.created_at)),
          td(h('button', {
            type: 'button', class: 'small danger', testid: 'idv-client-delete', data: { clientId: c.client_id },
            'aria-label': `클라이언트 ${c.client_id} 삭제`, on: { click: () => del(c.client_id) },
          }, '삭제')))))
      : h('p', { class: 'empty' }, '클라이언트가 없어요.'));
  };
  const loadTxs = async () => {
    const r = await api('GET', '/admin/v1/idv/transactions?limit=50');
    if (!alive()) return;
    const list = r.transactions || [];
    txs.replaceChildren(list.length
      ? table(['tx_id', '앱', '종류', '상태', '요청 시각', '시뮬레이터'], list.map((t) => h('tr', { testid: 'idv-tx-row', data: { txId: t.tx_id } },
          tdm(t.tx_id),
          td(t.app || '—'),
          td(TX_TYPE[t.request_type] || t.request_type, h('span', { class: 'hint' }, ` ${t.request_type || ''}`)),
          h('td', { testid: 'idv-tx-status', data: { status: t.status } }, txBadge(t.status), h('span', { class: 'hint' }, ` ${t.status}`)),
          td(fmtTime(t.requested_at)),
          td(h('a', { href: '/simulator/' + enc(t.tx_id), testid: 'idv-tx-link', data: { txId: t.tx_id } }, '열기')))))
      : h('p', { class: 'empty' }, '아직 요청이 없어요. 파트너 서버가 본인확인을 요청하면 여기에 나타나요.'));
  };

  async function del(id) {
    const ok = await confirmDialog(`클라이언트 ${id}을(를) 삭제할까요? 이 클라이언트로 받은 토큰은 바로 쓸 수 없게 돼요.`, '삭제');
    if (!ok || !alive()) return;
    try {
      await api('DELETE', '/admin/v1/idv/clients/' + enc(id));
      setStatus(`클라이언트 ${id}을(를) 삭제했어요.`, 'ok');
      await loadClients();
    } catch (e) {
      if (alive()) showErr(e, '삭제하지 못했어요');
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formErr.textContent = '';
    if (!appSel.value) {
      formErr.textContent = 'app: 앱을 골라 주세요.';
      return;
    }
    submit.disabled = true;
    try {
      const c = await api('POST', '/admin/v1/idv/clients', { app: appSel.value, env: envSel.value });
      if (!alive()) return;
      secret.replaceChildren(h('div', T('idv-secret-panel', { class: 'notice', role: 'alert' }),
        h('p', null, h('strong', null, `${c.app} 앱의 ${c.env} 클라이언트를 만들었어요.`)),
        h('dl', { class: 'kv' },
          h('dt', null, 'client_id'), h('dd', null, h('code', T('idv-client-id'), c.client_id), copyButton(() => c.client_id)),
          h('dt', null, 'client_secret'), h('dd', null, h('code', T('idv-client-secret'), c.client_secret), copyButton(() => c.client_secret))),
        h('p', { class: 'warn' }, 'client_secret은 지금만 보여요. 플랫폼은 해시만 보관해 다시 보여 줄 수 없어요. 잃어버렸다면 새 클라이언트를 만드세요.'),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'small', on: { click: () => secret.replaceChildren() } }, '닫기'))));
      setStatus(`클라이언트 ${c.client_id}을(를) 만들었어요.`, 'ok');
      await loadClients();
    } catch (e) {
      if (alive()) {
        formErr.textContent = errText(e);
        showErr(e, '클라이언트를 만들지 못했어요');
      }
    } finally {
      submit.disabled = false;
    }
  });

  const guard = (fn, what) => async () => {
    try { await fn(); } catch (e) { if (alive()) showErr(e, what); }
  };
  await Promise.all([guard(loadApps, '앱 목록')(), guard(loadClients, '클라이언트 목록')(), guard(loadTxs, '요청 목록')()]);
  every(3000, guard(loadTxs, '요청 목록'));
}

// ---------- 시뮬레이터 ----------
async function viewSim(main, alive, r) {
  const txPath = '/admin/v1/idv/transactions/' + enc(r.tx);
  setNav('toss', true);
  const info = h('div', { class: 'sim-info' }, h('p', { class: 'muted' }, '불러오는 중…'));
  const simErr = h('p', T('sim-error', { class: 'field-error', role: 'alert' }));
  const openBtn = h('button', T('sim-open', { type: 'button' }), '앱 열기');
  const completeBtn = h('button', T('sim-complete', { type: 'button', class: 'primary' }), '인증하기');
  const otherBtn = h('button', T('sim-other', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sim-other-form' }), '다른 사람으로 인증');
  const expireBtn = h('button', T('sim-expire', { type: 'button', class: 'danger' }), '만료시키기');

  const inp = (id, attrs) => h('input', T(id, Object.assign({ type: 'text', autocomplete: 'off' }, attrs)));
  const fName = inp('sim-name', { placeholder: '홍길동' });
  const fBirth = inp('sim-birthday', { placeholder: '19900101', inputmode: 'numeric', maxlength: 8 });
  const fGender = h('select', T('sim-gender'), h('option', { value: '' }, '지정 안 함'), h('option', { value: 'MALE' }, 'MALE (남성)'), h('option', { value: 'FEMALE' }, 'FEMALE (여성)'));
  const fNat = h('select', T('sim-nationality'), h('option', { value: '' }, '지정 안 함'), h('option', { value: 'LOCAL' }, 'LOCAL (내국인)'), h('option', { value: 'FOREIGNER' }, 'FOREIGNER (외국인)'));
  const fPhone = inp('sim-phone', { placeholder: '01012345678', inputmode: 'numeric', maxlength: 11 });
  const fields = {
    name: field('이름', fName, null, 'sim-error-name'),
    birthday: field('생년월일 (YYYYMMDD)', fBirth, null, 'sim-error-birthday'),
    gender: field('성별', fGender, null, 'sim-error-gender'),
    nationality: field('국적', fNat, null, 'sim-error-nationality'),
    phone: field('휴대폰 번호', fPhone, null, 'sim-error-phone'),
  };
  const otherSubmit = h('button', T('sim-other-submit', { type: 'submit', class: 'primary' }), '이 사람으로 인증');
  const otherForm = h('form', T('sim-other-form', { class: 'sim-form', method: 'post', action: '/', hidden: true }),
    Object.values(fields).map((f) => f.row), h('div', { class: 'actions' }, otherSubmit));

  let tx = null;
  const show = (t) => {
    tx = t;
    const st = t.status;
    const person = t.requested_person;
    const isTest = /^test_/.test(t.client_id || '');
    info.replaceChildren(
      h('div', { class: 'sim-app-icon', 'aria-hidden': 'true' }, Array.from(t.app || '?')[0].toUpperCase()),
      h('p', { class: 'sim-title' }, h('strong', T('sim-app'), t.app || '(알 수 없는 앱)'), '에서 ',
        h('strong', T('sim-type', { data: { type: t.request_type || '' } }), TX_TYPE[t.request_type] || t.request_type || '인증'), `을 요청했어요 (${t.request_type || '?'})`),
      h('dl', { class: 'kv' },
        h('dt', null, '요청한 사람'), h('dd', T('sim-person'), person
          ? `${maskName(person.name)} · ${maskBirthday(person.birthday)} · ${maskPhone(person.phone)}`
          : '지정 안 됨 (원터치 인증)'),
        h('dt', null, '상태'), h('dd', null, txBadge(st), ' ', h('span', T('sim-status', { class: 'mono', data: { status: st || '' } }), st || '?')),
        h('dt', null, '요청 시각'), h('dd', null, fmtTime(t.requested_at)),
        h('dt', null, st === 'COMPLETED' ? '완료 시각' : '만료 시각'), h('dd', null, fmtTime(st === 'COMPLETED' ? t.completed_at : t.expires_at)),
        h('dt', null, 'tx_id'), h('dd', { class: 'mono' }, t.tx_id)),
      isTest ? h('p', { class: 'hint' }, '테스트 클라이언트: 결과는 항상 김토스예요.') : null);
    const final = st === 'COMPLETED' || st === 'EXPIRED';
    openBtn.hidden = st !== 'REQUESTED';
    completeBtn.disabled = final;
    otherBtn.disabled = final;
    expireBtn.disabled = final;
    if (final) {
      otherForm.hidden = true;
      otherBtn.setAttribute('aria-expanded', 'false');
    }
  };

  const load = async () => {
    try {
      const t = await api('GET', txPath);
      if (alive()) show(t);
    } catch (e) {
      if (!alive()) return;
      if (e.code === 'NOT_FOUND') {
        info.replaceChildren(h('p', { class: 'empty' }, `요청 ${r.tx}을(를) 찾을 수 없어요.`));
        for (const b of [openBtn, completeBtn, otherBtn, expireBtn]) b.disabled = true;
      }
      simErr.textContent = errText(e);
    }
  };

  const act = async (verb, body, btn) => {
    simErr.textContent = '';
    clearFieldErrors(fields);
    if (btn) btn.disabled = true;
    try {
      const t = await api('POST', `${txPath}/${verb}`, body);
      if (!alive()) return;
      show(t);
      setStatus(`상태: ${t.status}`, 'ok');
      if (verb === 'complete') {
        otherForm.hidden = true;
        otherBtn.setAttribute('aria-expanded', 'false');
      }
    } catch (e) {
      if (!alive()) return;
      simErr.textContent = errText(e);
      if (verb === 'complete' && !otherForm.hidden) applyFieldError(e, fields);
      else showErr(e);
      await load();
    } finally {
      if (btn && tx) btn.disabled = tx.status === 'COMPLETED' || tx.status === 'EXPIRED';
      else if (btn) btn.disabled = false;
    }
  };
  openBtn.addEventListener('click', () => act('open', {}, openBtn));
  completeBtn.addEventListener('click', () => act('complete', {}, completeBtn));
  expireBtn.addEventListener('click', () => act('expire', {}, expireBtn));
  otherBtn.addEventListener('click', () => {
    otherForm.hidden = !otherForm.hidden;
    otherBtn.setAttribute('aria-expanded', String(!otherForm.hidden));
    if (!otherForm.hidden) fName.focus();
  });
  otherForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields);
    const body = {};
    const name = fName.value.trim();
    const birthday = fBirth.value.replace(/\D/g, '');
    const phone = fPhone.value.replace(/\D/g, '');
    if (name) body.name = name;
    if (fBirth.value.trim()) {
      if (!/^\d{8}$/.test(birthday)) {
        applyFieldError({ field: 'birthday', reason: 'birthday: YYYYMMDD 형식(예: 19900101)으로 입력해 주세요' }, fields);
        return;
      }
      body.birthday = birthday;
    }
    if (fGender.value) body.gender = fGender.value;
    if (fNat.value) body.nationality = fNat.value;
    if (fPhone.value.trim()) {
      if (!/^01\d{8,9}$/.test(phone)) {
        applyFieldError({ field: 'phone', reason: 'phone: 01012345678처럼 숫자만 입력해 주세요' }, fields);
        return;
      }
      body.phone = phone;
    }
    act('complete', body, otherSubmit);
  });

  main.append(h('div', { class: 'sim-wrap' },
    h('div', { class: 'phone' },
      h('div', { class: 'phone-bar' }, h('span', null, '토스 앱 시뮬레이터')),
      h('div', { class: 'phone-body' },
        info, simErr,
        h('div', { class: 'sim-actions' }, openBtn, completeBtn, otherBtn, expireBtn),
        otherForm,
        h('p', { class: 'hint' }, '테스트 클라이언트(client_id가 test_로 시작)의 요청은 서버가 항상 가상 인물 김토스로 인증해요.'))),
    h('p', { class: 'center' }, h('a', { href: '/#/simulator' }, '← 시뮬레이터'), ' · ', h('a', { href: '/#/idv' }, '토스 인증 요청 목록'))));
  await load();
  every(3000, load);
}

// ---------- boot ----------
async function boot() {
  const logoutBtn = $('nav-logout');
  if (logoutBtn) logoutBtn.addEventListener('click', logout);
  window.addEventListener('hashchange', () => {
    if (S.csrf) render();
  });
  try {
    const sess = await api('GET', '/console/session');
    if (!sess.signed_in) {
      showLogin();
      return;
    }
    S.csrf = sess.csrf;
    S.endpoints = sess.endpoints || {};
    if (sess.ca_pem) S.caPem = sess.ca_pem;
    render();
  } catch (e) {
    if (e.status !== 401) showErr(e, '세션을 확인하지 못했어요');
    showLogin();
  }
}
window.addEventListener('unhandledrejection', (ev) => {
  showErr(ev.reason);
  ev.preventDefault();
});
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
})();
