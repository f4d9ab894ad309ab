#!/usr/bin/env node
// Browser test of the Netchestra dashboard (GET /) against a running appliance.
//
// node dashboard.mjs --url http://127.0.0.1:9180 --token TOKEN --service web \
//      --servers n0,n1,n2 --drain n1 --screenshot OUT.png [--enable-after] [--chromium PATH]
//
// Headless Chromium loads the page and the test checks, against the management API:
// the page loads with no console error and no failed request, every listed server has a
// row showing its address, the chart of the service takes in new samples, the events list
// shows the newest event first, a drain with a wrong token is refused and the API's error
// shown, the Drain button drains the server (row and API: state drain, weight 0), the token
// survives a reload. --enable-after then presses Enable and checks the server is back up.
// One line per check, "ok - ..." or "not ok - ..."; exit 1 when any check failed, 2 on
// bad usage.

import { chromium } from 'playwright-core';

const USAGE = 'usage: node dashboard.mjs --url URL --token TOKEN --service SVC --servers A,B,... ' +
  '--drain SRV --screenshot OUT.png [--enable-after] [--chromium PATH]';

function parseArgs(argv) {
  const o = { chromium: '/usr/bin/chromium', enableAfter: false };
  const valued = { '--url': 'url', '--token': 'token', '--service': 'service', '--servers': 'servers',
    '--drain': 'drain', '--screenshot': 'screenshot', '--chromium': 'chromium' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--enable-after') { o.enableAfter = true; continue; }
    if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
    if (!(a in valued) || i + 1 >= argv.length) { console.error(`dashboard.mjs: bad argument ${a}\n${USAGE}`); process.exit(2); }
    o[valued[a]] = argv[++i];
  }
  for (const k of ['url', 'token', 'service', 'servers', 'drain', 'screenshot']) {
    if (!o[k]) { console.error(`dashboard.mjs: --${k} is required\n${USAGE}`); process.exit(2); }
  }
  o.url = o.url.replace(/\/+$/, '');
  o.servers = o.servers.split(',').map((s) => s.trim()).filter(Boolean);
  if (!o.servers.length) { console.error('dashboard.mjs: --servers is empty'); process.exit(2); }
  try { new URL(o.url); } catch { console.error(`dashboard.mjs: bad --url ${o.url}`); process.exit(2); }
  return o;
}

const opt = parseArgs(process.argv.slice(2));
let failures = 0;

function ok(cond, what, detail) {
  if (cond) console.log(`ok - ${what}`);
  else { failures++; console.log(`not ok - ${what}${detail ? ' (' + detail + ')' : ''}`); }
  return cond;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function apiGet(path) {
  const r = await fetch(opt.url + path, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return r.json();
}

async function apiServer(name) {
  const s = await apiGet('/api/v1/services/' + encodeURIComponent(opt.service));
  return (s.servers || []).find((x) => x.name === name) || null;
}

// Polls fn() until it returns a truthy value or ms pass; returns the last value.
async function until(fn, ms, every = 200) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    try { v = await fn(); } catch (e) { v = undefined; }
    if (v || Date.now() >= end) return v;
    await sleep(every);
  }
}

const row = (srv) => `tr[data-service="${opt.service}"][data-server="${srv}"]`;
const chart = `canvas[data-chart="${opt.service}"]`;

async function main() {
  // What the API says before the page is opened.
  let svc;
  try {
    svc = await apiGet('/api/v1/services/' + encodeURIComponent(opt.service));
  } catch (e) {
    ok(false, `API serves service ${opt.service}`, e.message);
    return;
  }
  ok(true, `API serves service ${opt.service}`);
  const apiServers = new Map((svc.servers || []).map((s) => [s.name, s]));
  for (const n of [...opt.servers, opt.drain]) {
    if (!apiServers.has(n)) ok(false, `API lists server ${n} of ${opt.service}`, 'the test cannot go on');
  }
  if (failures) return;
  let intervalMs = 1000;
  try {
    const h = await apiGet('/api/v1/services/' + encodeURIComponent(opt.service) + '/history');
    if (h.interval_ms > 0) intervalMs = h.interval_ms;
  } catch (e) {
    ok(false, 'API serves the history', e.message);
  }

  const browser = await chromium.launch({
    executablePath: opt.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await runPage(browser, intervalMs);
  } finally {
    await browser.close();
  }
}

async function runPage(browser, intervalMs) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  let expect401 = false;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expect401 && /status of 401/.test(m.text())) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // A poll in flight when the test reloads the page is aborted by the browser:
  // that is the navigation, not a failure of the page or the appliance.
  let reloading = false;
  page.on('requestfailed', (r) => {
    const why = r.failure() ? r.failure().errorText : '';
    if (reloading && why === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    if (expect401 && r.status() === 401 && r.request().method() === 'PATCH') return;
    problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'https:'].includes(u.protocol)) return;
    if (u.origin !== new URL(opt.url).origin) problems.push(`request outside the appliance: ${r.url()}`);
  });

  const resp = await page.goto(opt.url + '/', { waitUntil: 'load', timeout: 15000 });
  ok(resp && resp.status() === 200 && /^text\/html/.test(resp.headers()['content-type'] || ''),
    'GET / serves the dashboard as text/html', resp ? `HTTP ${resp.status()} ${resp.headers()['content-type']}` : 'no response');

  // Rows: every listed server, with the address the API gives.
  for (const n of opt.servers) {
    const found = await page.waitForSelector(row(n), { timeout: 15000 }).then(() => true, () => false);
    if (!ok(found, `row for server ${n} of ${opt.service}`)) continue;
    const s = await apiServer(n);
    const want = (s.address.includes(':') ? `[${s.address}]` : s.address) + ':' + s.port;
    const addr = (await page.textContent(`${row(n)} td[data-field="address"]`)).trim();
    ok(addr === want, `row ${n} shows address ${want}`, `shows "${addr}"`);
    const st = (await page.textContent(`${row(n)} td[data-field="state"]`)).trim();
    ok(['up', 'down', 'drain', 'removing'].includes(st), `row ${n} shows a state (${st})`);
  }
  const rows = await page.$$eval(`tr[data-service="${opt.service}"][data-server]`, (t) => t.map((r) => r.dataset.server));
  const apiNow = await apiGet('/api/v1/services/' + encodeURIComponent(opt.service));
  const apiNames = (apiNow.servers || []).map((s) => s.name);
  ok(rows.length === apiNames.length && apiNames.every((n) => rows.includes(n)),
    `table rows match the API's servers (${apiNames.join(',')})`, `rows: ${rows.join(',')}`);
  const head = await page.textContent(`section[data-service="${opt.service}"] [data-field="vip"]`).catch(() => '');
  const vip = (apiNow.vip.includes(':') ? `[${apiNow.vip}]` : apiNow.vip) + ':' + apiNow.port + '/' + apiNow.proto;
  ok(head.trim() === vip, `service header shows ${vip}`, `shows "${head.trim()}"`);

  // Chart: history loaded, then new samples taken in.
  const hasChart = await page.waitForSelector(chart, { timeout: 15000 }).then(() => true, () => false);
  if (ok(hasChart, `chart canvas for ${opt.service}`)) {
    const hist = await apiGet('/api/v1/services/' + encodeURIComponent(opt.service) + '/history').catch(() => null);
    const histLen = hist && Array.isArray(hist.samples) ? hist.samples.length : 0;
    // The page loaded the history a moment before the test fetched it: a few samples fewer at most.
    const want = Math.max(1, histLen - 3);
    const first = await until(async () => {
      const n = +(await page.getAttribute(chart, 'data-samples'));
      return n >= want ? n : 0;
    }, 15000);
    ok(first >= want, `chart loaded the history (${first} samples, API has ${histLen})`);
    const before = +(await page.getAttribute(chart, 'data-samples'));
    const grown = await until(async () => +(await page.getAttribute(chart, 'data-samples')) > before,
      Math.max(10000, 4 * intervalMs));   // a loaded shared machine is slow to paint
    const after = +(await page.getAttribute(chart, 'data-samples'));
    ok(grown, `chart takes in new samples (${before} -> ${after})`);
    const series = ((await page.getAttribute(chart, 'data-series')) || '').split(',');
    const missing = opt.servers.filter((n) => !series.includes(n));
    ok(missing.length === 0, 'chart draws a line for every listed server', `missing: ${missing.join(',')}`);
    const inked = await page.$eval(chart, (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    ok(inked > 2000, `chart canvas is drawn (${inked} pixels)`);
  }

  // Events: the page shows the newest event the API has, at the top.
  const evApi = await apiGet('/api/v1/events?since=0').catch(() => null);
  if (ok(evApi && Array.isArray(evApi.events), 'API serves events')) {
    const hasList = await page.$('#events').then((e) => !!e);
    ok(hasList, 'events list #events present');
    if (evApi.events.length && hasList) {
      const newest = Math.max(...evApi.events.map((e) => e.id));
      const top = await until(async () => {
        const id = await page.$eval('#events', (l) => (l.firstElementChild ? +l.firstElementChild.dataset.eventId : -1));
        return id >= newest ? id : 0;
      }, 5000);
      ok(top >= newest, `events list shows the newest event (id ${newest}) at the top`, `top is ${top}`);
      const count = await page.$$eval('#events > li', (l) => l.length);
      ok(count >= 1 && count <= 100, `events list keeps at most 100 (${count})`);
    } else if (hasList) {
      const count = await page.$$eval('#events > li', (l) => l.length);
      ok(count === 0, 'events list empty while the API has no events', `${count} shown`);
    }
  }

  // Drain with a wrong token: refused, error shown, nothing changed.
  const drainBtn = `${row(opt.drain)} button[data-action="drain"]`;
  const enableBtn = `${row(opt.drain)} button[data-action="enable"]`;
  const pre = await apiServer(opt.drain);
  if (pre.state === 'drain') {
    // Left drained by an earlier run: press Enable first so the drain below is a change.
    await page.fill('#token', opt.token);
    await page.click(enableBtn);
    const back = await until(async () => ((await apiServer(opt.drain)) || {}).state !== 'drain', 5000);
    ok(back, `Enable takes ${opt.drain} out of drain before the drain check`);
  }
  const statusText = async () => (await page.textContent('#status-text')).trim();
  expect401 = true;
  await page.fill('#token', 'not-' + opt.token);
  await page.click(drainBtn);
  const refused = await until(async () => {
    const kind = await page.getAttribute('#status', 'data-kind');
    return kind === 'error' && /401/.test(await statusText());
  }, 5000);
  ok(refused, 'a drain with a wrong token shows the 401 in the status area', await statusText());
  await sleep(300);
  expect401 = false;
  const still = await apiServer(opt.drain);
  ok(still.state !== 'drain', `wrong token leaves ${opt.drain} as it was (${still.state})`);

  // Drain with the right token.
  await page.fill('#token', opt.token);
  await page.click('#token-save');
  await page.click(drainBtn);
  const shown = await until(async () =>
    (await page.textContent(`${row(opt.drain)} td[data-field="state"]`)).trim() === 'drain', 5000);
  ok(shown, `row ${opt.drain} shows state drain after Drain`);
  const kind = await page.getAttribute('#status', 'data-kind');
  ok(kind === 'ok', 'status area reports the drain done', await statusText());
  const drained = await until(async () => {
    const s = await apiServer(opt.drain);
    return s && s.state === 'drain' && s.weight === 0 ? s : null;
  }, 5000);
  const last = drained || (await apiServer(opt.drain));
  ok(!!drained, `API reports ${opt.drain} state drain, weight 0`, last && `state ${last.state}, weight ${last.weight}`);
  const wcell = await until(async () =>
    (await page.textContent(`${row(opt.drain)} td[data-field="weight"]`)).trim() === '0', 3000);
  ok(wcell, `row ${opt.drain} shows weight 0`);

  await page.waitForTimeout(1200);
  await page.screenshot({ path: opt.screenshot, fullPage: true });
  ok(true, `screenshot ${opt.screenshot}`);

  // The token stays in the tab across a reload; the page comes back with the drain shown.
  reloading = true;
  await page.reload({ waitUntil: 'load' });
  reloading = false;
  const kept = await page.inputValue('#token');
  ok(kept === opt.token, 'token kept in the tab across a reload');
  const again = await until(async () =>
    (await page.textContent(`${row(opt.drain)} td[data-field="state"]`).catch(() => '')).trim() === 'drain', 5000);
  ok(again, `after a reload row ${opt.drain} still shows drain`);

  if (opt.enableAfter) {
    await page.click(enableBtn);
    const up = await until(async () => {
      const s = await apiServer(opt.drain);
      return s && s.state === 'up' ? s : null;
    }, 5000);
    ok(!!up, `Enable puts ${opt.drain} back to state up`);
    const rowUp = await until(async () =>
      (await page.textContent(`${row(opt.drain)} td[data-field="state"]`)).trim() === 'up', 5000);
    ok(rowUp, `row ${opt.drain} shows state up after Enable`);
  }

  await page.waitForTimeout(500);
  ok(problems.length === 0, 'no console error, page error or failed request', problems.slice(0, 5).join('; '));
  await context.close();
}

try {
  await main();
} catch (e) {
  ok(false, 'test ran to the end', e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
}
process.exit(failures ? 1 : 0);
