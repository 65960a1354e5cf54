// The intoss web console in headless Chromium (Playwright, playwright-core only: the browser is
// Debian's /usr/bin/chromium). Run by crates/integration/tests/it/browser.rs against a fresh
// `intoss serve`; every step asserts and the first failure exits 1 with the step's name, a
// screenshot (failure.png) and the page's status line.
//
// Environment: CONSOLE_URL (https://127.0.0.1:PORT), GATEWAY (127.0.0.1:PORT), CERT_URL,
// ADMIN_TOKEN, CA_PEM, IDV_PUBLIC_KEY (paths), ARTIFACTS (screenshots and downloads go there).
// On success the last line of stdout is {"ok":true,"screenshots":[...]}.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`console.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const CONSOLE_URL = env('CONSOLE_URL').replace(/\/$/, '');
const GATEWAY = env('GATEWAY');
const CERT_URL = env('CERT_URL').replace(/\/$/, '');
const ADMIN_TOKEN = env('ADMIN_TOKEN');
const CA_PEM = env('CA_PEM');
const IDV_PUBLIC_KEY = env('IDV_PUBLIC_KEY');
const ARTIFACTS = env('ARTIFACTS');
const WAIT = 10_000;
const APP = 'browser-app';

fs.mkdirSync(ARTIFACTS, { recursive: true });
const ISSUED = path.join(ARTIFACTS, 'issued');
fs.rmSync(ISSUED, { recursive: true, force: true });
fs.mkdirSync(ISSUED, { recursive: true });

// ---------- bookkeeping ----------
const t0 = Date.now();
let step = '(start)';
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
function begin(name) {
  step = name;
  log(`step: ${name}`);
}
class StepFailure extends Error {}
function fail(msg) {
  throw new StepFailure(msg);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}

// Every console error and uncaught page error is a failure, except network refusals the test
// provokes on purpose: Chromium logs "Failed to load resource: ... status of 401" for them.
const problems = [];
const expected = []; // { status, path, seen }
function expectRefusal(status, urlPath) {
  const e = { status, path: urlPath, seen: 0 };
  expected.push(e);
  return e;
}
function onConsole(m) {
  if (m.type() !== 'error' && m.type() !== 'assert') return;
  const text = m.text();
  const url = (m.location() && m.location().url) || '';
  const st = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
  if (st) {
    let p = '';
    try { p = new URL(url).pathname; } catch (_) { /* not a URL */ }
    const e = expected.find((x) => x.status === Number(st[1]) && x.path === p && x.seen === 0);
    if (e) {
      e.seen += 1;
      log(`  (expected refusal logged by the browser: ${st[1]} ${p})`);
      return;
    }
  }
  problems.push(`console.${m.type()} [${step}]: ${text}${url ? ` (${url})` : ''}`);
}
// Things that look wrong in the console but are not what this test checks: in the summary.
const notes = [];
function note(msg) {
  if (!notes.includes(msg)) {
    notes.push(msg);
    log(`  note: ${msg}`);
  }
}

const screenshots = [];
async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
  screenshots.push(name);
  log(`  screenshot ${name}`);
}

const tid = (id, extra = '') => `[data-testid="${id}"]${extra}`;

// The status line must not show an error after a step that should succeed.
async function noErrorStatus(page) {
  const el = page.locator('#status-line');
  const cls = (await el.getAttribute('class')) || '';
  if (cls.split(/\s+/).includes('error')) fail(`the status line shows an error: ${await el.textContent()}`);
}

// ---------- outside the browser: curl and the cert listener ----------
let gatewayOk = 0; // requests the gateway admitted (the overview counts them)
function curlWhoami(dir) {
  const args = ['-sS', '--fail', '--max-time', '10', '--cacert', CA_PEM,
    '--cert', path.join(dir, 'client-cert.pem'), '--key', path.join(dir, 'client-key.pem'),
    `https://${GATEWAY}/api-partner/v1/whoami`];
  const out = execFileSync('curl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  gatewayOk += 1;
  return JSON.parse(out);
}
function curlFails(dir) {
  try {
    curlWhoami(dir);
    return false;
  } catch (e) {
    if (e instanceof SyntaxError) throw e;
    return true;
  }
}

const CA = fs.readFileSync(CA_PEM);
function post(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca: CA, headers: { 'Content-Length': Buffer.byteLength(body), ...headers }, timeout: 10_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch (_) { /* not JSON */ }
        resolve({ status: res.statusCode, json, text: data });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: POST ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}
const postJson = (url, obj, token) => post(url, JSON.stringify(obj), {
  'Content-Type': 'application/json', Authorization: `Bearer ${token}`,
});

// The field encryption of 토스 인증 (docs/identity-verification.md): an AES-256-GCM session whose
// key and IV are wrapped with the platform's RSA key (OAEP, SHA-1).
function newSession() {
  const id = crypto.randomUUID();
  const key = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const plain = Buffer.from(`AES_GCM$${key.toString('base64')}$${iv.toString('base64')}`);
  const wrapped = crypto.publicEncrypt(
    { key: fs.readFileSync(IDV_PUBLIC_KEY), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, plain);
  return {
    sessionKey: `v1$${id}$${wrapped.toString('base64')}`,
    decrypt(field) {
      const parts = String(field).split('$');
      check(parts.length === 3, `an encrypted field is v1$id$payload: ${field}`);
      check(parts[0] === 'v1' && parts[1] === id, `the field is for another session: ${parts[0]}$${parts[1]}`);
      const buf = Buffer.from(parts[2], 'base64');
      const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(key);
      d.setAuthTag(buf.subarray(buf.length - 16));
      return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
    },
  };
}

// ---------- the run ----------
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intoss-chromium-'));
let context = null;
let page = null;
const deadline = setTimeout(() => {
  console.error(`FAIL [${step}]: the script took more than 170 s`);
  process.exit(1);
}, 170_000);

async function main() {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
  });
  context.setDefaultTimeout(WAIT);
  page = context.pages()[0] || (await context.newPage());
  page.on('console', onConsole);
  page.on('pageerror', (e) => problems.push(`pageerror [${step}]: ${e.message}`));
  page.on('crash', () => problems.push(`the page crashed [${step}]`));

  // 2. Sign in.
  begin('sign-in form');
  await page.goto(`${CONSOLE_URL}/`);
  await page.locator(tid('login-token')).waitFor();
  check(await page.locator('#nav').isHidden(), 'the navigation is hidden while signed out');
  await shot(page, 'login.png');

  begin('wrong token');
  const refusedLogin = expectRefusal(401, '/console/login');
  await page.locator(tid('login-token')).fill('not-the-admin-token');
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('login-error')).filter({ hasText: /\S/ }).waitFor();
  const loginErr = await page.locator(tid('login-error')).textContent();
  check(/로그인할 수 없어요/.test(loginErr), `the sign-in error says why: ${loginErr}`);
  check(await page.locator('#nav').isHidden(), 'still signed out after a wrong token');

  begin('right token');
  await page.locator(tid('login-token')).fill(ADMIN_TOKEN);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('nav-apps')).waitFor({ state: 'visible' });
  await page.locator('main h1', { hasText: '개요' }).waitFor();
  check(refusedLogin.seen <= 1, 'one refused sign-in');
  const cookies = await context.cookies(CONSOLE_URL);
  const sc = cookies.find((c) => c.name === 'intoss_console');
  check(sc && sc.httpOnly && sc.secure && sc.sameSite === 'Strict', `the session cookie is HttpOnly, Secure, SameSite=Strict: ${JSON.stringify(sc)}`);
  check(!(await page.evaluate(() => document.cookie)).includes('intoss_console'), 'the page script cannot read the session cookie');
  await noErrorStatus(page);
  await shot(page, 'overview.png');

  // 3. Apps.
  begin('create an app');
  await page.locator(tid('nav-apps')).click();
  await page.locator(tid('app-create-name')).waitFor();
  await page.locator(tid('app-create-name')).fill(APP);
  await page.locator(tid('app-create-qpm')).fill('500');
  await page.locator(tid('app-create-submit')).click();
  const appRow = page.locator(tid('app-row', `[data-app="${APP}"]`));
  await appRow.waitFor();
  const rowQpm = ((await appRow.locator('td.num').textContent()) || '').trim();
  check(rowQpm === '500', `the new row shows QPM 500: ${rowQpm}`);
  const rowText = await appRow.textContent();
  check(/모두 허용/.test(rowText), `an empty allowlist reads 모두 허용: ${rowText}`);
  await page.locator('#status-line', { hasText: `앱 ${APP}을(를) 만들었어요.` }).waitFor();
  check((await page.locator(tid('app-create-name')).inputValue()) === '', 'the form is cleared after creating');
  await shot(page, 'apps.png');

  begin('invalid allowlist entry');
  const refusedCreate = expectRefusal(400, '/admin/v1/apps');
  await page.locator(tid('app-create-name')).fill('bad-ips-app');
  await page.locator(tid('app-create-allow-ips')).fill('203.0.113.7\n10.0.0.1/8');
  await page.locator(tid('app-create-submit')).click();
  const ipErr = page.locator(tid('app-create-error-allow_ips'));
  await ipErr.filter({ hasText: /\S/ }).waitFor();
  const ipErrText = await ipErr.textContent();
  check(/10\.0\.0\.1\/8/.test(ipErrText) && /10\.0\.0\.0\/8/.test(ipErrText),
    `the allow_ips error names the entry and the fix: ${ipErrText}`);
  check((await page.locator(tid('app-create-allow-ips')).getAttribute('aria-invalid')) === 'true', 'the allowlist field is marked invalid');
  check(((await page.locator(tid('app-create-error-name')).textContent()) || '') === '', 'no error next to the name');
  check((await page.locator(tid('app-row', '[data-app="bad-ips-app"]')).count()) === 0, 'the refused app was not created');
  check((await page.locator(tid('app-create-name')).inputValue()) === 'bad-ips-app', 'the refused form keeps what was typed');
  await shot(page, 'apps-invalid.png');
  check(refusedCreate.seen <= 1, 'one refused creation');

  // 4. Certificates.
  begin('issue a certificate');
  await page.locator(tid('app-link', `[data-app="${APP}"]`)).click();
  await page.waitForURL(`**/#/apps/${APP}`);
  await page.locator(tid('cert-issue')).waitFor();
  await page.locator('main').getByText('발급된 인증서가 없어요', { exact: false }).waitFor();
  check(await page.locator('#ca-hint').isVisible(), 'before an issue, the ca.pem hint is shown');
  const certDl = page.waitForEvent('download', { predicate: (d) => d.suggestedFilename() === 'client-cert.pem', timeout: WAIT });
  const keyDl = page.waitForEvent('download', { predicate: (d) => d.suggestedFilename() === 'client-key.pem', timeout: WAIT });
  await page.locator(tid('cert-issue')).click();
  const [dc, dk] = await Promise.all([certDl, keyDl]);
  await dc.saveAs(path.join(ISSUED, 'client-cert.pem'));
  await dk.saveAs(path.join(ISSUED, 'client-key.pem'));
  const certPem = fs.readFileSync(path.join(ISSUED, 'client-cert.pem'), 'utf8');
  const keyPem = fs.readFileSync(path.join(ISSUED, 'client-key.pem'), 'utf8');
  check(certPem.startsWith('-----BEGIN CERTIFICATE-----'), `client-cert.pem is a PEM certificate: ${certPem.slice(0, 40)}`);
  check(/^-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(keyPem), `client-key.pem is a PEM private key: ${keyPem.slice(0, 40)}`);
  const notice = page.locator(tid('cert-notice'));
  await notice.waitFor();
  const noticeText = await notice.textContent();
  check(/한 번만/.test(noticeText), `the notice says the key is shown once: ${noticeText}`);
  const serial = ((await notice.locator('.mono').textContent()) || '').trim();
  check(/^[0-9A-Fa-f:]+$/.test(serial), `the notice names the serial: ${serial}`);
  await page.locator(tid('cert-row', `[data-serial="${serial}"]`)).waitFor();
  await page.locator(tid('cert-row', `[data-serial="${serial}"]`) + ' ' + tid('cert-status', '[data-status="active"]')).waitFor();
  await page.locator(tid('ca-download')).waitFor();
  await page.locator(tid('cert-redownload-key')).waitFor();
  check((await page.locator(tid('usage-curl')).textContent()).includes(GATEWAY), 'the curl snippet names the gateway');
  await noErrorStatus(page);
  await shot(page, 'certs.png');

  begin('curl with the downloaded files');
  let who = curlWhoami(ISSUED);
  check(who.resultType === 'SUCCESS' && who.success && who.success.app === APP, `whoami: ${JSON.stringify(who)}`);
  check(who.success.qpmLimit === 500, `whoami qpmLimit 500: ${JSON.stringify(who.success)}`);
  log(`  whoami: app ${who.success.app}, serial ${who.success.certSerial}, ${who.success.tlsVersion}`);

  // 5. Settings.
  begin('change the QPM');
  await page.locator(tid('app-qpm')).fill('1234');
  await page.locator(tid('app-save')).click();
  await page.locator('#status-line', { hasText: '설정을 저장했어요.' }).waitFor();
  await page.reload();
  await page.locator(tid('app-qpm')).waitFor();
  const qpmAfter = await page.locator(tid('app-qpm')).inputValue();
  check(qpmAfter === '1234', `after a reload the QPM field shows 1234: ${qpmAfter}`);
  check((await page.locator(tid('cert-notice')).count()) === 0, 'after a reload the key notice is gone');
  let qpmSeen;
  for (const until = Date.now() + 2000; ;) {
    who = curlWhoami(ISSUED);
    qpmSeen = who.success.qpmLimit;
    if (qpmSeen === 1234 || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(qpmSeen === 1234, `whoami qpmLimit after saving: ${qpmSeen}`);

  // 6. Revocation.
  begin('revoke the certificate');
  await page.locator(tid('cert-revoke', `[data-serial="${serial}"]`)).click();
  const dialog = page.locator(tid('confirm-dialog'));
  await dialog.waitFor({ state: 'visible' });
  const question = await page.locator(tid('confirm-message')).textContent();
  check(question.includes(serial), `the confirmation names the serial ${serial}: ${question}`);
  await page.locator(tid('confirm-ok')).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator(tid('cert-row', `[data-serial="${serial}"]`) + ' ' + tid('cert-status', '[data-status="revoked"]')).waitFor();
  check((await page.locator(tid('cert-revoke', `[data-serial="${serial}"]`)).count()) === 0, 'a revoked certificate has no revoke button');
  await noErrorStatus(page);
  await shot(page, 'revoked.png');
  let refused = false;
  const revokedAt = Date.now();
  for (const until = revokedAt + 1000; !refused;) {
    refused = curlFails(ISSUED);
    if (refused || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(refused, 'curl with the revoked certificate still gets through 1 s after the revocation');
  log(`  curl with the revoked certificate refused ${Date.now() - revokedAt} ms after the dialog closed`);

  // 7. Identity verification.
  begin('create an identity-verification client');
  await page.locator(tid('nav-idv')).click();
  await page.locator(tid('idv-client-app') + ` option[value="${APP}"]`).waitFor({ state: 'attached' });
  await page.locator(tid('idv-client-app')).selectOption(APP);
  await page.locator(tid('idv-client-env')).selectOption('test');
  await page.locator(tid('idv-client-submit')).click();
  await page.locator(tid('idv-secret-panel')).waitFor();
  const clientId = ((await page.locator(tid('idv-client-id')).textContent()) || '').trim();
  const clientSecret = ((await page.locator(tid('idv-client-secret')).textContent()) || '').trim();
  check(/^test_/.test(clientId) && clientSecret.length >= 16, `client_id ${clientId} and a secret are shown`);
  await page.locator(tid('idv-client-row', `[data-client-id="${clientId}"]`)).waitFor();

  begin('a one-touch request from the partner side');
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'ca' });
  const tok = await post(`${CERT_URL}/token`, form.toString(), { 'Content-Type': 'application/x-www-form-urlencoded' });
  check(tok.status === 200 && tok.json && tok.json.access_token, `token: ${tok.status} ${tok.text}`);
  const accessToken = tok.json.access_token;
  const reqd = await postJson(`${CERT_URL}/api/v2/sign/user/auth/id/request`, { requestType: 'USER_NONE', requestUrl: 'intoss://x' }, accessToken);
  check(reqd.status === 200 && reqd.json && reqd.json.resultType === 'SUCCESS', `request: ${reqd.status} ${reqd.text}`);
  const txId = reqd.json.success.txId;
  check(typeof txId === 'string' && txId.length > 0, `a txId: ${reqd.text}`);
  log(`  txId ${txId}`);

  begin('the simulator page');
  await page.goto(`${CONSOLE_URL}/simulator/${encodeURIComponent(txId)}`);
  await page.locator(tid('sim-app')).waitFor();
  check((await page.locator(tid('sim-app')).textContent()) === APP, 'the simulator names the app');
  const simType = page.locator(tid('sim-type'));
  check((await simType.getAttribute('data-type')) === 'USER_NONE' && (await simType.textContent()) === '원터치 인증',
    `the simulator shows the one-touch type: ${await simType.textContent()}`);
  await page.locator(tid('sim-status', '[data-status="REQUESTED"]')).waitFor();
  check(await page.locator(tid('sim-open')).isVisible(), '앱 열기 is offered while REQUESTED');
  await page.locator(tid('sim-complete')).click();
  await page.locator(tid('sim-status', '[data-status="COMPLETED"]')).waitFor();
  check((await page.locator(tid('sim-status')).textContent()) === 'COMPLETED', 'the status text is COMPLETED');
  check(await page.locator(tid('sim-complete')).isDisabled(), '인증하기 is disabled once COMPLETED');
  check(((await page.locator(tid('sim-error')).textContent()) || '') === '', 'no simulator error');
  await noErrorStatus(page);
  await shot(page, 'simulator.png');

  begin('the result, decrypted');
  const sess = newSession();
  const res = await postJson(`${CERT_URL}/api/v2/sign/user/auth/id/result`, { txId, sessionKey: sess.sessionKey }, accessToken);
  check(res.status === 200 && res.json && res.json.resultType === 'SUCCESS', `result: ${res.status} ${res.text}`);
  check(res.json.success.status === 'COMPLETED', `result status: ${res.json.success.status}`);
  const name = sess.decrypt(res.json.success.personalData.name);
  check(name === '김토스', `the decrypted name: ${name}`);
  log(`  personalData.name = ${name}`);

  begin('the transaction in the 토스 인증 list');
  await page.goto(`${CONSOLE_URL}/#/idv`);
  const txRow = page.locator(tid('idv-tx-row', `[data-tx-id="${txId}"]`));
  await txRow.locator(tid('idv-tx-status', '[data-status="COMPLETED"]')).waitFor();
  check((await txRow.textContent()).includes(APP), 'the transaction row names the app');
  await page.locator(tid('idv-client-row', `[data-client-id="${clientId}"]`)).waitFor();
  check((await page.locator(tid('idv-secret-panel')).count()) === 0, 'the secret is not shown again');
  await noErrorStatus(page);
  await shot(page, 'idv.png');

  begin('the overview counts the gateway requests');
  await page.locator(tid('nav-overview')).click();
  const ovRow = page.locator(tid('overview-app-row', `[data-app="${APP}"]`));
  await ovRow.waitFor();
  const total = ((await ovRow.locator(tid('overview-total')).textContent()) || '').replace(/,/g, '');
  check(Number(total) === gatewayOk, `the overview counts ${gatewayOk} requests: ${total}`);
  await ovRow.locator(tid('overview-chart')).waitFor();
  await noErrorStatus(page);
  await shot(page, 'overview-traffic.png');

  // 7b. Toss Login: the app's key on its page, the Toss-app simulator (a new user, a login with
  // chosen consents, an unlink), the code exchanged and login-me decrypted outside the browser.
  begin('the Toss Login key on the app page');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/login`);
  const keyEl = page.locator(tid('login-decryption-key'));
  await keyEl.waitFor();
  const decKey = (await keyEl.textContent()).trim();
  const aad = (await page.locator(tid('login-aad')).textContent()).trim();
  check(Buffer.from(decKey, 'base64').length === 32, `the decryption key is base64 of 32 bytes: ${decKey}`);
  check(/^TOSS-[0-9A-F]{12}$/.test(aad), `the AAD: ${aad}`);
  check(await page.locator(tid('tab-login')).evaluate((el) => el.classList.contains('active')), 'the 토스 로그인 tab is active');
  const refusedUrl = expectRefusal(400, `/admin/v1/apps/${APP}/login`);
  await page.locator(tid('login-unlink-url')).fill('ftp://partner.example/unlink');
  await page.locator(tid('login-save')).click();
  await page.locator(tid('login-error-unlink_url'), { hasText: 'http(s)' }).waitFor();
  await page.locator(tid('login-unlink-url')).fill('https://partner.example/toss/unlink');
  await page.locator(tid('login-basic-auth')).fill('toss:s3cret');
  await page.locator(tid('login-save')).click();
  await page.locator('#status-line', { hasText: '토스 로그인 설정을 저장했어요.' }).waitFor();
  check((await page.locator(tid('login-basic-auth-set')).textContent()) === '설정됨', 'the Basic Auth shows as set');
  check((await page.locator(tid('login-basic-auth')).inputValue()) === '', 'the Basic Auth value is not shown back');
  check(!(await page.content()).includes('s3cret'), 'the Basic Auth value is nowhere on the page');
  await shot(page, 'app-login.png');

  // A product for the simulator's in-app purchase (the app page's form is driven in 7f).
  const gem = await postJson(`${CONSOLE_URL}/admin/v1/apps/${APP}/products`, { sku: 'gem_100', name: '보석 100개', price: 1200 }, ADMIN_TOKEN);
  check(gem.status === 201, `a product: ${gem.status} ${gem.text}`);
  // And an approved message template for the simulator's 알림함 (the form is driven in 7h).
  const tpl = await postJson(`${CONSOLE_URL}/admin/v1/apps/${APP}/templates`, { template_set_code: 'order_ready', title: '#{storeName} 주문 준비 완료', body: '#{userName}님, 음료가 준비됐어요.' }, ADMIN_TOKEN);
  check(tpl.status === 201, `a template: ${tpl.status} ${tpl.text}`);
  const approvedTpl = await postJson(`${CONSOLE_URL}/admin/v1/apps/${APP}/templates/order_ready/review`, { approve: true }, ADMIN_TOKEN);
  check(approvedTpl.status === 200, `the template approved: ${approvedTpl.status} ${approvedTpl.text}`);
  // And two promotions for the simulator's 토스 포인트 (the form is driven in 7i).
  for (const [promotion_code, settle_secs] of [['WELCOME', 0], ['SLOW', 3600]]) {
    const pr = await postJson(`${CONSOLE_URL}/admin/v1/apps/${APP}/promotions`, { promotion_code, name: '환영 포인트', budget: 1000, per_grant_max: 500, settle_secs }, ADMIN_TOKEN);
    check(pr.status === 201, `a promotion: ${pr.status} ${pr.text}`);
  }
  begin('the simulator: a new user');
  await page.locator(tid('nav-sim')).click();
  await page.locator(tid('toss-user')).locator('option[value="kim-toss"]').waitFor({ state: 'attached' });
  const refusedUser = expectRefusal(400, '/admin/v1/users');
  await page.locator(tid('toss-new-name')).fill('이토스');
  await page.locator(tid('toss-new-phone')).fill('123');
  await page.locator(tid('toss-new-birthday')).fill('20000101');
  await page.locator(tid('toss-new-gender')).selectOption('MALE');
  await page.locator(tid('toss-new-submit')).click();
  await page.locator(tid('toss-new-error-phone'), { hasText: 'phone' }).waitFor();
  await page.locator(tid('toss-new-phone')).fill('01099998888');
  await page.locator(tid('toss-new-submit')).click();
  await page.locator('#status-line', { hasText: '이토스' }).waitFor();
  const newUser = await page.locator(tid('toss-user')).inputValue();
  check(/^u-[0-9a-f]{10}$/.test(newUser), `the new user is selected: ${newUser}`);

  begin('the simulator: log in with chosen consents');
  await page.locator(tid('toss-app')).selectOption(APP);
  check(await page.locator(tid('toss-scope-USER_NAME')).isChecked(), 'USER_NAME is checked by default');
  await page.locator(tid('toss-scope-USER_BIRTHDAY')).check();
  await page.locator(tid('toss-scope-USER_PHONE')).uncheck();
  await page.locator(tid('toss-login')).click();
  const codeEl = page.locator(tid('toss-code'));
  await codeEl.waitFor();
  const authCode = (await codeEl.textContent()).trim();
  check(authCode.length >= 40, `the authorization code: ${authCode}`);
  check((await page.locator(tid('toss-referrer')).textContent()) === 'DEFAULT', 'referrer DEFAULT');
  const userKey = Number(await page.locator(tid('toss-user-key')).textContent());
  check(userKey > 0, `the userKey: ${userKey}`);
  await page.locator(tid(`toss-link-${APP}`)).waitFor();
  check((await page.locator(tid(`toss-link-${APP}`)).textContent()).includes('USER_BIRTHDAY'), 'the link lists the consents');
  await noErrorStatus(page);
  await shot(page, 'toss-simulator.png');

  begin('the code exchanged through the gateway, login-me decrypted');
  const admin = (p, body) => post(`${CONSOLE_URL}${p}`, JSON.stringify(body), { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` });
  const issued = await admin(`/admin/v1/apps/${APP}/certs`, { key_type: 'p256' });
  check(issued.status === 201, `a certificate for the gateway calls: ${issued.status} ${issued.text}`);
  const loginDir = path.join(ISSUED, 'login');
  fs.mkdirSync(loginDir, { recursive: true });
  fs.writeFileSync(path.join(loginDir, 'client-cert.pem'), issued.json.success.cert_pem);
  fs.writeFileSync(path.join(loginDir, 'client-key.pem'), issued.json.success.key_pem, { mode: 0o600 });
  const gw = (route, args) => {
    const out = execFileSync('curl', ['-sS', '--max-time', '10', '--cacert', CA_PEM,
      '--cert', path.join(loginDir, 'client-cert.pem'), '--key', path.join(loginDir, 'client-key.pem'),
      '-w', '\n%{http_code}', ...args, `https://${GATEWAY}/api-partner/v1/apps-in-toss/user/oauth2/${route}`], { encoding: 'utf8' });
    const i = out.lastIndexOf('\n');
    return { status: Number(out.slice(i + 1)), json: JSON.parse(out.slice(0, i)) };
  };
  const loginTok = gw('generate-token', ['-H', 'Content-Type: application/json', '-d', JSON.stringify({ authorizationCode: authCode, referrer: 'DEFAULT' })]);
  check(loginTok.status === 200 && loginTok.json.resultType === 'SUCCESS', `generate-token: ${JSON.stringify(loginTok)}`);
  const bearer = ['-H', `Authorization: Bearer ${loginTok.json.success.accessToken}`];
  const me = gw('login-me', bearer);
  check(me.status === 200, `login-me: ${JSON.stringify(me)}`);
  const open = (field) => {
    const buf = Buffer.from(field, 'base64');
    const d = crypto.createDecipheriv('aes-256-gcm', Buffer.from(decKey, 'base64'), buf.subarray(0, 12));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(buf.subarray(buf.length - 16));
    return Buffer.concat([d.update(buf.subarray(12, buf.length - 16)), d.final()]).toString('utf8');
  };
  check(open(me.json.success.name) === '이토스', 'the name decrypts with the key shown on the app page');
  check(open(me.json.success.birthday) === '20000101', 'the birthday decrypts');
  check(me.json.success.phone === null && me.json.success.di === null, 'no phone without consent; di is null');
  check(me.json.success.userKey === userKey, 'the userKey the simulator showed');

  // 7c. Toss Pay: the partner makes two payments for the logged-in user; in the simulator the
  // user approves one with a chosen card and declines the other; the partner executes and
  // refunds part of the first.
  begin('the simulator: approve and decline payments');
  const payGw = (route, body) => {
    const out = execFileSync('curl', ['-sS', '--max-time', '10', '--cacert', CA_PEM,
      '--cert', path.join(loginDir, 'client-cert.pem'), '--key', path.join(loginDir, 'client-key.pem'),
      '-H', 'Content-Type: application/json', '-H', `x-toss-user-key: ${userKey}`, '-d', JSON.stringify(body),
      '-w', '\n%{http_code}', `https://${GATEWAY}/api-partner/v1/apps-in-toss/pay/${route}`], { encoding: 'utf8' });
    const i = out.lastIndexOf('\n');
    return { status: Number(out.slice(i + 1)), json: JSON.parse(out.slice(0, i)) };
  };
  const makePay = (orderNo, amount) => {
    const r = payGw('make-payment', { orderNo, productDesc: '브라우저 상품', amount, amountTaxFree: 0, isTestPayment: true });
    check(r.status === 200 && r.json.resultType === 'SUCCESS', `make-payment ${orderNo}: ${JSON.stringify(r)}`);
    return r.json.success.payToken;
  };
  const payOk = makePay('browser-pay-1', 15000);
  const payNo = makePay('browser-pay-2', 3000);
  await page.locator(tid(`toss-pay-${payOk}`)).waitFor({ timeout: WAIT });
  await page.locator(tid(`toss-pay-${payNo}`)).waitFor({ timeout: WAIT });
  check((await page.locator(tid(`toss-pay-${payOk}`)).textContent()).includes('브라우저 상품'), 'the payment names the product');
  await page.locator(tid(`toss-pay-method-${payOk}`)).selectOption('CARD');
  await page.locator(tid(`toss-pay-card-${payOk}`)).selectOption('41');
  await shot(page, 'toss-pay.png');
  await page.locator(tid(`toss-pay-approve-${payOk}`)).click();
  await page.locator('#status-line', { hasText: '결제를 승인했어요' }).waitFor();
  await page.locator(tid(`toss-pay-decline-${payNo}`)).click();
  await page.locator('#status-line', { hasText: '결제를 취소했어요' }).waitFor();
  await page.locator(tid('toss-pay-empty')).waitFor();
  const executed = payGw('execute-payment', { payToken: payOk, isTestPayment: true });
  check(executed.status === 200 && executed.json.success.cardCompanyCode === '41' && executed.json.success.cardCompanyName === '신한카드',
    `execute-payment after the approval: ${JSON.stringify(executed)}`);
  const declined = payGw('execute-payment', { payToken: payNo, isTestPayment: true });
  check(declined.status === 409 && declined.json.error.errorCode === 'PAYMENT_CANCELED', `execute-payment after the decline: ${JSON.stringify(declined)}`);
  const refunded = payGw('refund-payment', { payToken: payOk, reason: '고객요청', amount: 5000, isTestPayment: true });
  check(refunded.status === 200 && refunded.json.success.refundableAmount === 10000, `refund-payment: ${JSON.stringify(refunded)}`);

  // 7d. In-app purchase: the user buys the product leaving the order in progress, then completes
  // and refunds it; the partner sees each status through get-order-status.
  begin('the simulator: in-app purchase');
  const orderStatus = (orderId) => {
    const out = execFileSync('curl', ['-sS', '--max-time', '10', '--cacert', CA_PEM,
      '--cert', path.join(loginDir, 'client-cert.pem'), '--key', path.join(loginDir, 'client-key.pem'),
      '-H', 'Content-Type: application/json', '-H', `x-toss-user-key: ${userKey}`, '-d', JSON.stringify({ orderId }),
      `https://${GATEWAY}/api-partner/v1/apps-in-toss/order/get-order-status`], { encoding: 'utf8' });
    return JSON.parse(out).success.status;
  };
  await page.locator(tid('toss-iap-sku')).locator('option[value="gem_100"]').waitFor({ state: 'attached' });
  await page.locator(tid('toss-iap-outcome')).selectOption('ORDER_IN_PROGRESS');
  await page.locator(tid('toss-iap-buy')).click();
  await page.locator('#status-line', { hasText: '보석 100개을(를) 샀어요' }).waitFor();
  const orderLi = page.locator('[data-testid^="toss-iap-order-"]').first();
  const orderId = (await orderLi.getAttribute('data-testid')).slice('toss-iap-order-'.length);
  check(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(orderId), `the orderId is a UUID v7: ${orderId}`);
  check(orderStatus(orderId) === 'ORDER_IN_PROGRESS', 'get-order-status: in progress');
  await page.locator(tid(`toss-iap-complete-${orderId}`)).click();
  await page.locator(tid(`toss-iap-order-${orderId}`)).locator(tid('iap-order-status', '[data-status="PAYMENT_COMPLETED"]')).waitFor();
  check(orderStatus(orderId) === 'PAYMENT_COMPLETED', 'get-order-status: completed');
  await shot(page, 'toss-iap.png');
  await page.locator(tid(`toss-iap-refund-${orderId}`)).click();
  await page.locator(tid(`toss-iap-order-${orderId}`)).locator(tid('iap-order-status', '[data-status="REFUNDED"]')).waitFor();
  check(orderStatus(orderId) === 'REFUNDED', 'get-order-status: refunded');

  // 7e'. A message: the partner sends the approved template; the user's 알림함 shows it rendered.
  begin('the simulator: the inbox');
  const sentMsg = execFileSync('curl', ['-sS', '--max-time', '10', '--cacert', CA_PEM,
    '--cert', path.join(loginDir, 'client-cert.pem'), '--key', path.join(loginDir, 'client-key.pem'),
    '-H', 'Content-Type: application/json', '-H', `x-toss-user-key: ${userKey}`,
    '-d', JSON.stringify({ templateSetCode: 'order_ready', context: { storeName: '토스카페' } }),
    `https://${GATEWAY}/api-partner/v1/apps-in-toss/messenger/send-message`], { encoding: 'utf8' });
  const sentJson = JSON.parse(sentMsg);
  check(sentJson.resultType === 'SUCCESS' && sentJson.success.msgCount === 2, `send-message: ${sentMsg}`);
  const pushId = sentJson.success.detail.sentPush[0].contentId;
  const pushItem = page.locator(tid('toss-inbox-item', `[data-content-id="${pushId}"]`));
  await pushItem.waitFor({ timeout: WAIT });
  const pushText = await pushItem.textContent();
  check(pushText.includes('토스카페 주문 준비 완료') && pushText.includes('이토스님, 음료가 준비됐어요.'), `the push, rendered: ${pushText}`);
  check(await page.locator(tid('toss-inbox-item', '[data-channel="INBOX"]')).count() === 1, 'one inbox entry');
  await shot(page, 'toss-inbox.png');

  // 7f'. Promotions: the partner grants points; the user's 토스 포인트 shows them; a pending grant
  // fails from the simulator and the partner sees FAILED.
  begin('the simulator: Toss points');
  const promo = (route, body) => JSON.parse(execFileSync('curl', ['-sS', '--max-time', '10', '--cacert', CA_PEM,
    '--cert', path.join(loginDir, 'client-cert.pem'), '--key', path.join(loginDir, 'client-key.pem'),
    '-H', 'Content-Type: application/json', '-H', `x-toss-user-key: ${userKey}`, '-d', JSON.stringify(body),
    `https://${GATEWAY}/api-partner/v1/apps-in-toss/promotion/${route}`], { encoding: 'utf8' }));
  const k1 = promo('execute-promotion/get-key', {}).success.key;
  const ex1 = promo('execute-promotion', { promotionCode: 'WELCOME', key: k1, amount: 300 });
  check(ex1.resultType === 'SUCCESS', `execute-promotion: ${JSON.stringify(ex1)}`);
  await page.locator(tid('toss-points-balance'), { hasText: '300P' }).waitFor({ timeout: WAIT });
  const k2 = promo('execute-promotion/get-key', {}).success.key;
  promo('execute-promotion', { promotionCode: 'SLOW', key: k2, amount: 100 });
  const pendingEntry = page.locator(tid('toss-points-entry', `[data-key="${k2}"][data-status="PENDING"]`));
  await pendingEntry.waitFor({ timeout: WAIT });
  await shot(page, 'toss-points.png');
  await pendingEntry.locator(tid('toss-points-fail')).click();
  await page.locator(tid('toss-points-entry', `[data-key="${k2}"][data-status="FAILED"]`)).waitFor();
  const res2 = promo('execution-result', { promotionCode: 'SLOW', key: k2 });
  check(res2.success === 'FAILED', `execution-result after the simulator's failure: ${JSON.stringify(res2)}`);
  check((await page.locator(tid('toss-points-balance')).textContent()) === '300P', 'the failed grant gave nothing');

  begin('the simulator: unlink');
  await page.locator(tid(`toss-unlink-${APP}`)).click();
  await page.locator(tid('toss-links-empty')).waitFor();
  await page.locator('#status-line', { hasText: '연결 끊기' }).waitFor();
  const afterUnlink = gw('login-me', bearer);
  check(afterUnlink.status === 401 && afterUnlink.json.error === 'invalid_grant', `login-me after the unlink: ${JSON.stringify(afterUnlink)}`);
  await shot(page, 'toss-unlinked.png');
  for (const e of [refusedUrl, refusedUser]) {
    if (e.seen === 0) log(`  (Chromium logged no line for the expected ${e.status} on ${e.path})`);
  }

  // 7e. The app page's Toss Pay section: the payments with their states, a payment's
  // transactions, the settings form with a refused value and a saved one.
  begin('the app page: payments and transactions');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/pay`);
  const okRow = page.locator(tid('pay-row', `[data-pay-token="${payOk}"]`));
  await okRow.waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-pay')).evaluate((el) => el.classList.contains('active')), 'the 토스페이 tab is active');
  check((await okRow.locator(tid('pay-status')).getAttribute('data-status')) === 'REFUND_SUCCESS', 'the refunded payment is REFUND_SUCCESS');
  check((await okRow.locator(tid('pay-status')).textContent()).includes('부분'), 'a partial refund says so');
  const noRow = page.locator(tid('pay-row', `[data-pay-token="${payNo}"]`));
  check((await noRow.locator(tid('pay-status')).getAttribute('data-status')) === 'PAY_CANCEL', 'the declined payment is PAY_CANCEL');
  await okRow.click();
  const okDetail = page.locator(tid('pay-detail', `[data-pay-token="${payOk}"]`));
  await okDetail.waitFor();
  const steps = await okDetail.locator(tid('pay-tx-row')).evaluateAll((rows) => rows.map((r) => [r.dataset.step, r.children[2].textContent]));
  check(JSON.stringify(steps) === JSON.stringify([['PAY', '15,000원'], ['REFUND', '-5,000원']]), `the transactions: ${JSON.stringify(steps)}`);
  check((await okDetail.textContent()).includes('신한카드'), 'the detail names the card company');
  await shot(page, 'app-pay.png');
  begin('the app page: Toss Pay settings');
  await page.locator(tid('pay-ttl')).fill('5');
  const refusedTtl = expectRefusal(400, `/admin/v1/apps/${APP}/pay`);
  await page.locator(tid('pay-save')).click();
  await page.locator(tid('pay-error-approval_ttl_secs'), { hasText: 'approval_ttl_secs' }).waitFor();
  await page.locator(tid('pay-ttl')).fill('600');
  await page.locator(tid('pay-reading')).selectOption('FALSE_IS_TEST');
  await page.locator(tid('pay-save')).click();
  await page.locator('#status-line', { hasText: '토스페이 설정을 저장했어요.' }).waitFor();
  check((await page.locator(tid('pay-error-approval_ttl_secs')).textContent()) === '', 'the field error is cleared');
  const paySettings = await new Promise((resolve, reject) => {
    https.get(`${CONSOLE_URL}/admin/v1/apps/${APP}/pay`, { ca: CA, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve(JSON.parse(data)));
    }).on('error', reject);
  });
  check(paySettings.success.test_payment_reading === 'FALSE_IS_TEST' && paySettings.success.approval_ttl_secs === 600,
    `the saved settings: ${JSON.stringify(paySettings)}`);
  if (refusedTtl.seen === 0) log(`  (Chromium logged no line for the expected ${refusedTtl.status} on ${refusedTtl.path})`);

  // 7f. The app page's 인앱 결제 section: the order, a product added with a refused value first,
  // a product taken off sale.
  begin('the app page: in-app purchase');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/iap`);
  const orderRow = page.locator(tid('iap-order-row', `[data-order-id="${orderId}"]`));
  await orderRow.waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-iap')).evaluate((el) => el.classList.contains('active')), 'the 인앱 결제 tab is active');
  check((await orderRow.locator(tid('iap-order-status')).getAttribute('data-status')) === 'REFUNDED', 'the order is REFUNDED');
  await page.locator(tid('iap-sku')).fill('coin_500');
  await page.locator(tid('iap-name')).fill('코인 500개');
  await page.locator(tid('iap-price')).fill('0');
  const refusedPrice = expectRefusal(400, `/admin/v1/apps/${APP}/products`);
  await page.locator(tid('iap-add')).click();
  await page.locator(tid('iap-error-price'), { hasText: 'price' }).waitFor();
  await page.locator(tid('iap-price')).fill('5,500');
  await page.locator(tid('iap-add')).click();
  await page.locator(tid('iap-product-row', '[data-sku="coin_500"]')).waitFor();
  check((await page.locator(tid('iap-product-row', '[data-sku="coin_500"]')).textContent()).includes('5,500원'), 'the new product with its price');
  await page.locator(tid('iap-product-delete', '[data-sku="gem_100"]')).click();
  await page.locator(tid('confirm-ok')).click();
  await page.locator('#status-line', { hasText: 'gem_100 판매를 멈췄어요.' }).waitFor();
  check(await page.locator(tid('iap-product-delete', '[data-sku="gem_100"]')).count() === 0, 'a product off sale cannot be deleted again');
  await shot(page, 'app-iap.png');
  if (refusedPrice.seen === 0) log(`  (Chromium logged no line for the expected ${refusedPrice.status} on ${refusedPrice.path})`);

  // 7h. The app page's 메시지 section: the message sent, a template refused then added, approved
  // with the button, another rejected after a confirmation.
  begin('the app page: messages');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/messages`);
  await page.locator(tid('msg-row', `[data-content-id="${pushId}"]`)).waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-messages')).evaluate((el) => el.classList.contains('active')), 'the 메시지 tab is active');
  await page.locator(tid('msg-code')).fill('coupon');
  await page.locator(tid('msg-title')).fill('쿠폰 도착');
  await page.locator(tid('msg-body')).fill('#{userName}님, #{open');
  const refusedTpl = expectRefusal(400, `/admin/v1/apps/${APP}/templates`);
  await page.locator(tid('msg-add')).click();
  await page.locator(tid('msg-error-body'), { hasText: 'body' }).waitFor();
  await page.locator(tid('msg-body')).fill('#{userName}님, #{amount}원 쿠폰이 도착했어요.');
  await page.locator(tid('msg-add')).click();
  const couponRow = page.locator(tid('msg-template-row', '[data-code="coupon"]'));
  await couponRow.waitFor();
  check((await couponRow.locator(tid('msg-template-status')).getAttribute('data-status')) === 'IN_REVIEW', 'a new template is in review');
  check((await couponRow.textContent()).includes('userName, amount'), 'the template lists its variables');
  await couponRow.locator(tid('msg-approve')).click();
  await page.locator(tid('msg-template-row', '[data-code="coupon"]')).locator(tid('msg-template-status', '[data-status="APPROVED"]')).waitFor();
  await page.locator(tid('msg-code')).fill('ad');
  await page.locator(tid('msg-title')).fill('광고');
  await page.locator(tid('msg-body')).fill('지금 구매하세요');
  await page.locator(tid('msg-add')).click();
  await page.locator(tid('msg-template-row', '[data-code="ad"]')).locator(tid('msg-reject')).click();
  await page.locator(tid('confirm-ok')).click();
  await page.locator(tid('msg-template-row', '[data-code="ad"]')).locator(tid('msg-template-status', '[data-status="REJECTED"]')).waitFor();
  await shot(page, 'app-messages.png');
  if (refusedTpl.seen === 0) log(`  (Chromium logged no line for the expected ${refusedTpl.status} on ${refusedTpl.path})`);

  // 7i. The app page's 프로모션 section: the budget spent, a promotion refused then added, paused,
  // ended after a confirmation.
  begin('the app page: promotions');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/promotions`);
  const welcomeRow = page.locator(tid('promo-row', '[data-code="WELCOME"]'));
  await welcomeRow.waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-promotions')).evaluate((el) => el.classList.contains('active')), 'the 프로모션 tab is active');
  check((await welcomeRow.textContent()).includes('700P'), `700 points left: ${await welcomeRow.textContent()}`);
  await page.locator(tid('promo-exec-row', `[data-key="${k1}"]`)).waitFor();
  await page.locator(tid('promo-code')).fill('SPRING');
  await page.locator(tid('promo-name')).fill('봄 이벤트');
  await page.locator(tid('promo-budget')).fill('100');
  await page.locator(tid('promo-per-grant')).fill('200');
  const refusedPromo = expectRefusal(400, `/admin/v1/apps/${APP}/promotions`);
  await page.locator(tid('promo-add')).click();
  await page.locator(tid('promo-error-per_grant_max'), { hasText: 'per_grant_max' }).waitFor();
  await page.locator(tid('promo-per-grant')).fill('50');
  await page.locator(tid('promo-add')).click();
  const springRow = page.locator(tid('promo-row', '[data-code="SPRING"]'));
  await springRow.waitFor();
  await springRow.locator(tid('promo-pause')).click();
  await page.locator(tid('promo-row', '[data-code="SPRING"]')).locator(tid('promo-state', '[data-state="PAUSED"]')).waitFor();
  await page.locator(tid('promo-row', '[data-code="SPRING"]')).locator(tid('promo-end')).click();
  await page.locator(tid('confirm-ok')).click();
  await page.locator(tid('promo-row', '[data-code="SPRING"]')).locator(tid('promo-state', '[data-state="ENDED"]')).waitFor();
  check(await page.locator(tid('promo-row', '[data-code="SPRING"]')).locator('button').count() === 0, 'an ended promotion has no actions');
  await shot(page, 'app-promotions.png');
  if (refusedPromo.seen === 0) log(`  (Chromium logged no line for the expected ${refusedPromo.status} on ${refusedPromo.path})`);

  // 7j. The app page's 이벤트 section: a loopback endpoint refused until marked local, its secret
  // shown once, a sample event delivered to a real receiver (with its attempt), a rotation.
  begin('the app page: events and webhooks');
  const hooks = [];
  const receiverServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { hooks.push({ headers: req.headers, body }); res.writeHead(204).end(); });
  });
  await new Promise((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${receiverServer.address().port}/hook`;
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/events`);
  await page.locator(tid('hook-empty')).waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-events')).evaluate((el) => el.classList.contains('active')), 'the 이벤트 tab is active');
  await page.locator(tid('hook-url')).fill(hookUrl);
  const refusedHook = expectRefusal(400, `/admin/v1/apps/${APP}/webhook-endpoints`);
  await page.locator(tid('hook-add')).click();
  await page.locator(tid('hook-error-url'), { hasText: '--local' }).waitFor();
  await page.locator(tid('hook-local')).check();
  await page.locator(tid('hook-add')).click();
  const hookRow = page.locator(tid('hook-row'));
  await hookRow.waitFor();
  const firstSecret = await page.locator(tid('hook-secret')).textContent();
  check(firstSecret.startsWith('whsec_'), `the secret is shown once: ${firstSecret}`);
  await page.locator(tid('event-sample-type')).selectOption('PAYMENT_STATUS_CHANGED');
  await page.locator(tid('event-trigger')).click();
  const sent = await page.locator('#status-line', { hasText: '샘플 PAYMENT_STATUS_CHANGED' }).textContent();
  const sampleId = /evt_[0-9a-f]+/.exec(sent)[0];
  const evRow = page.locator(tid('event-row', `[data-id="${sampleId}"]`));
  await evRow.waitFor();
  await evRow.locator('summary').click();
  // Open survives the page's refresh (every 3 s).
  await page.waitForTimeout(3500);
  check(await evRow.evaluate((el) => el.open), 'an opened event stays open across a refresh');
  await evRow.locator(tid('delivery-row', '[data-state="DELIVERED"]')).waitFor({ timeout: WAIT });
  check((await evRow.locator(tid('attempt-row', '[data-n="1"]')).textContent()).includes('HTTP 204'), 'attempt #1 answered 204');
  check(hooks.length === 1 && JSON.parse(hooks[0].body).type === 'PAYMENT_STATUS_CHANGED', `the receiver got the event: ${JSON.stringify(hooks)}`);
  check(String(hooks[0].headers['webhook-signature'] || '').startsWith('v1,'), 'the delivery is signed');
  await page.locator(tid('hook-rotate')).click();
  await page.locator(tid('hook-retire')).waitFor();
  // The new secret is shown once the list has reloaded.
  await page.waitForFunction((old) => { const el = document.getElementById('hook-secret'); return el && el.textContent !== old; }, firstSecret, { timeout: WAIT });
  const secondSecret = await page.locator(tid('hook-secret')).textContent();
  check(secondSecret.startsWith('whsec_') && secondSecret !== firstSecret, 'rotation shows a new secret');
  await shot(page, 'app-events.png');
  receiverServer.close();
  if (refusedHook.seen === 0) log(`  (Chromium logged no line for the expected ${refusedHook.status} on ${refusedHook.path})`);

  // 7b. Fault injection: a refusal shown on its field, a fault added and listed, then removed.
  begin('the app page: fault injection');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/faults`);
  await page.locator(tid('fault-empty')).waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-faults')).evaluate((el) => el.classList.contains('active')), 'the 장애 주입 tab is active');
  await page.locator(tid('fault-p')).fill('1.5');
  await page.locator(tid('fault-value')).fill('INTERNAL_ERROR');
  const refusedFault = expectRefusal(400, `/admin/v1/apps/${APP}/faults`);
  await page.locator(tid('fault-add')).click();
  await page.locator(tid('fault-error-probability'), { hasText: 'probability' }).waitFor();
  await page.locator(tid('fault-p')).fill('0.5');
  await page.locator(tid('fault-add')).click();
  const faultRow = page.locator(tid('fault-row', '[data-kind="FAIL"]'));
  await faultRow.waitFor();
  check((await faultRow.textContent()).includes('FAIL INTERNAL_ERROR'), 'the fault is listed with its action');
  await page.locator(tid('fault-kind')).selectOption('LATENCY');
  await page.locator(tid('fault-value')).fill('250');
  await page.locator(tid('fault-add')).click();
  await page.locator(tid('fault-row', '[data-kind="LATENCY"]')).waitFor();
  await shot(page, 'app-faults.png');
  await faultRow.locator(tid('fault-delete')).click();
  await faultRow.waitFor({ state: 'detached' });
  await page.locator(tid('fault-clear')).click();
  await page.locator(tid('fault-empty')).waitFor();
  if (refusedFault.seen === 0) log(`  (Chromium logged no line for the expected ${refusedFault.status} on ${refusedFault.path})`);

  // 7c. Sandbox: the journal lists the app's gateway requests, test mode turns on, the clock
  // moves (a refusal on its field first) and goes back, the reset asks first.
  begin('the app page: sandbox controls and the request journal');
  await page.goto(`${CONSOLE_URL}/#/apps/${APP}/sandbox`);
  await page.locator(tid('sandbox-clock')).waitFor({ timeout: WAIT });
  check(await page.locator(tid('tab-sandbox')).evaluate((el) => el.classList.contains('active')), 'the 샌드박스 tab is active');
  const journalRow = page.locator(tid('journal-row', '[data-status="200"]'), { hasText: '/api-partner/v1/whoami' }).first();
  await journalRow.waitFor();
  check((await journalRow.textContent()).includes('GET'), 'the journal lists the curl whoami calls');
  check(!(await page.locator('#section-journal').textContent()).includes('김토스'), 'no personal field in the journal');
  await page.locator(tid('sandbox-test-mode')).check();
  await page.locator('#status-line', { hasText: '테스트 모드를 켰어요.' }).waitFor();
  await page.locator(tid('clock-by')).fill('8x');
  const refusedClock = expectRefusal(400, `/admin/v1/apps/${APP}/clock/advance`);
  await page.locator(tid('clock-advance')).click();
  await page.locator(tid('clock-error-by'), { hasText: 'by' }).waitFor();
  await page.locator(tid('clock-by')).fill('8d');
  await page.locator(tid('clock-advance')).click();
  await page.locator(tid('sandbox-offset'), { hasText: '8.00일' }).waitFor();
  await shot(page, 'app-sandbox.png');
  await page.locator(tid('clock-reset')).click();
  await page.locator(tid('sandbox-offset'), { hasText: '실제 시간' }).waitFor();
  await page.locator(tid('sandbox-reset')).click();
  await page.locator(tid('confirm-dialog')).waitFor({ state: 'visible' });
  check((await page.locator(tid('confirm-message')).textContent()).includes(APP), 'the reset names the app');
  await page.locator(tid('confirm-ok')).click();
  await page.locator(tid('sandbox-reset-result'), { hasText: '행을 지우고' }).waitFor();
  await page.locator(tid('journal-empty')).waitFor();
  check(await page.locator(tid('sandbox-test-mode')).isChecked(), 'test mode stays through a reset');
  await page.locator(tid('sandbox-test-mode')).uncheck();
  await page.locator('#status-line', { hasText: '테스트 모드를 껐어요.' }).waitFor();
  if (refusedClock.seen === 0) log(`  (Chromium logged no line for the expected ${refusedClock.status} on ${refusedClock.path})`);

  // 8. Sign out (from a page without a refresh timer).
  begin('sign out');
  await page.locator(tid('nav-apps')).click();
  await page.locator(tid('app-create-name')).waitFor();
  await page.locator(tid('nav-logout')).click();
  await page.locator(tid('login-token')).waitFor();
  check(await page.locator('#nav').isHidden(), 'the navigation is hidden after signing out');
  check(new URL(page.url()).pathname === '/login', `the address is /login: ${page.url()}`);
  await page.locator('#status-line', { hasText: '로그아웃했어요.' }).waitFor();
  await shot(page, 'signed-out.png');
  const refusedAfter = expectRefusal(401, '/admin/v1/apps');
  const after = await page.evaluate(async () => {
    const r = await fetch('/admin/v1/apps', { credentials: 'same-origin' });
    return { status: r.status, body: await r.text() };
  });
  check(after.status === 401, `/admin/v1/apps after signing out: ${after.status} ${after.body}`);
  check(!(await context.cookies(CONSOLE_URL)).some((c) => c.name === 'intoss_console' && c.value), 'the session cookie is cleared');
  await page.reload();
  await page.locator(tid('login-token')).waitFor();
  check(await page.locator('#nav').isHidden(), 'still signed out after a reload');

  // 1. No console errors.
  begin('browser console');
  await page.waitForTimeout(200); // let the last log entries arrive
  for (const e of [refusedLogin, refusedCreate, refusedAfter]) {
    if (e.seen === 0) log(`  (Chromium logged no line for the expected ${e.status} on ${e.path})`);
  }
  check(problems.length === 0, `errors in the browser:\n  ${problems.join('\n  ')}`);
}

let code = 0;
try {
  await main();
  console.log(JSON.stringify({ ok: true, seconds: (Date.now() - t0) / 1000, screenshots, notes }));
} catch (e) {
  code = 1;
  console.error(`FAIL [${step}]: ${e instanceof StepFailure ? e.message : (e && e.stack) || e}`);
  if (problems.length) console.error(`browser errors so far:\n  ${problems.join('\n  ')}`);
  if (page) {
    try {
      console.error(`page: ${page.url()}; status line: ${JSON.stringify(await page.locator('#status-line').textContent({ timeout: 1000 }))}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true, timeout: 5000 });
      console.error(`screenshot: ${path.join(ARTIFACTS, 'failure.png')}`);
    } catch (_) { /* best effort */ }
  }
} finally {
  clearTimeout(deadline);
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(code);
