// The observer page: plain ES module, no framework, no build step. It listens to the server's
// Server-Sent Events (`hello` once, then `tick` with load + processes + supervisors, or `load`
// alone) and renders the view named in the URL hash. uPlot (global, from /assets/uPlot.js) draws the charts.
/* global uPlot */

const token = new URLSearchParams(location.search).get('token') ?? '';
const SLOT_SPACE = 4194304;
const COLORS = ['#7c3aed', '#0ea5e9', '#16a34a', '#ea580c', '#db2777', '#ca8a04', '#0d9488', '#4f46e5', '#dc2626', '#65a30d', '#9333ea', '#0284c7'];
const MAIN_NODE = 126;

const state = {
  schedulers: [],
  allowActions: false,
  intervalMs: 1000,
  keep: 300,
  series: { t: [], util: [], runq: [], msgs: [], heap: [], spawns: [], exits: [] },
  charts: {},
  lastTick: undefined,
  sort: { key: 'windowSteps', dir: -1 },
  filter: '',
  limit: 100,
  childPids: new Map(),
  flashUntil: new Map(),
  detailPid: undefined,
};
window.beamjsObserver = state;

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const pidText = (pid) => `<${pid % SLOT_SPACE}.${Math.floor(pid / SLOT_SPACE)}>`;
const pidLink = (pid) => `<a class="pid" href="#process/${pid}" data-pid-link="${pid}">${esc(pidText(pid))}</a>`;
const nodeName = (id) => (id === MAIN_NODE ? 'main' : String(id));
const shortKey = (key) => (key ? key.slice(key.lastIndexOf('/') + 1) : 'mailbox');
const bytes = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`);
const num = (n) => Math.round(n).toLocaleString('en-US');
/** Replaces an element's content only when it changed: a page redrawn every tick stays clickable and keeps hover and selection. */
const setHtml = (el, html) => {
  if (el.dataset.html === html) return;
  el.dataset.html = html;
  el.innerHTML = html;
};

// ---- the stream -------------------------------------------------------------------------------

let source;
function connect() {
  source?.close();
  const q = new URLSearchParams({ token, filter: state.filter, limit: String(state.limit) });
  source = new EventSource(`/events?${q}`);
  source.addEventListener('hello', (e) => onHello(JSON.parse(e.data)));
  source.addEventListener('tick', (e) => onTick(JSON.parse(e.data)));
  source.addEventListener('load', (e) => addLoad(JSON.parse(e.data)));
  source.onopen = () => setConnection(true);
  source.onerror = () => setConnection(false);
}

function setConnection(live) {
  const el = $('#connection');
  el.textContent = live ? 'live' : 'disconnected (retrying)';
  el.classList.toggle('live', live);
}

function onHello(hello) {
  state.schedulers = hello.schedulers;
  state.allowActions = hello.allowActions;
  state.intervalMs = hello.intervalMs;
  $('#reason-box').hidden = !hello.allowActions;
  for (const k of Object.keys(state.series)) state.series[k] = [];
  for (const sample of hello.history) addLoad(sample, false);
  buildCharts();
  redrawCharts();
}

function onTick(tick) {
  state.lastTick = tick;
  addLoad(tick.load);
  renderSummary();
  renderProcesses();
  renderTree();
  if (currentView() === 'process') void renderDetail();
}

// ---- load ------------------------------------------------------------------------------------------

function addLoad(sample, redraw = true) {
  if (!sample) return;
  const s = state.series;
  const at = (id) => sample.schedulers.find((x) => x.scheduler === id);
  s.t.push(sample.t);
  state.schedulers.forEach((id, i) => {
    const l = at(id);
    (s.util[i] ??= []).push(l ? +(l.utilization * 100).toFixed(1) : null);
    (s.runq[i] ??= []).push(l ? l.runQueue + l.queuedJobs : null);
    (s.msgs[i] ??= []).push(l ? Math.round(l.messagesIn) : null);
    (s.heap[i] ??= []).push(l && l.heapUsed != null ? +(l.heapUsed / 1048576).toFixed(1) : null);
  });
  s.spawns.push(sample.schedulers.reduce((a, l) => a + l.spawns, 0));
  s.exits.push(sample.schedulers.reduce((a, l) => a + l.exits, 0));
  if (s.t.length > state.keep) {
    s.t.shift();
    for (const k of ['util', 'runq', 'msgs', 'heap']) for (const arr of s[k]) arr.shift();
    s.spawns.shift();
    s.exits.shift();
  }
  state.lastLoad = sample;
  if (redraw) {
    redrawCharts();
    renderSchedulerTable();
  }
}

function schedulerSeries() {
  return state.schedulers.map((id, i) => ({ label: `scheduler ${id}`, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false }));
}

function makeChart(el, series, yRange) {
  el.innerHTML = '';
  const opts = {
    width: Math.max(300, el.clientWidth || 500),
    height: 200,
    series: [{}, ...series],
    scales: { x: { time: true }, y: yRange ? { range: yRange } : {} },
    axes: [{}, { size: 56 }],
    legend: { live: true },
  };
  return new uPlot(opts, [[]].concat(series.map(() => [])), el);
}

function buildCharts() {
  state.charts.util = makeChart($('#chart-util'), schedulerSeries(), [0, 100]);
  state.charts.runq = makeChart($('#chart-runq'), schedulerSeries());
  state.charts.msgs = makeChart($('#chart-msgs'), schedulerSeries());
  state.charts.heap = makeChart($('#chart-heap'), schedulerSeries());
  state.charts.spawns = makeChart($('#chart-spawns'), [
    { label: 'spawns/s', stroke: '#16a34a', width: 1.5 },
    { label: 'exits/s', stroke: '#dc2626', width: 1.5 },
  ]);
}

function redrawCharts() {
  const s = state.series;
  const put = (name, ys) => {
    const chart = state.charts[name];
    if (!chart) return;
    chart.setData([s.t, ...ys]);
    // For tests and scripts: how many points each series holds (null = no data then).
    chart.root.parentElement.dataset.points = JSON.stringify(ys.map((y) => y.filter((v) => v != null).length));
  };
  put('util', s.util);
  put('runq', s.runq);
  put('msgs', s.msgs);
  put('heap', s.heap);
  put('spawns', [s.spawns, s.exits]);
}

function renderSchedulerTable() {
  const load = state.lastLoad;
  if (!load) return;
  const rows = load.schedulers
    .map(
      (l) => `<tr><td>${l.scheduler}</td><td class="num">${(l.utilization * 100).toFixed(0)}%</td><td class="num">${l.runQueue}</td><td class="num">${l.queuedJobs}</td>
      <td class="num">${num(l.processes)}</td><td class="num">${num(l.messagesIn)}</td><td class="num">${num(l.spawns)}</td><td class="num">${num(l.exits)}</td>
      <td class="num">${l.heapUsed == null ? '–' : bytes(l.heapUsed)}</td><td>${l.sleeping ? 'sleeping' : 'awake'}</td></tr>`,
    )
    .join('');
  $('#scheduler-table').innerHTML =
    '<thead><tr><th>scheduler</th><th class="num">utilization</th><th class="num">run queue</th><th class="num">spawn jobs</th><th class="num">processes</th><th class="num">msgs in/s</th><th class="num">spawns/s</th><th class="num">exits/s</th><th class="num">heap</th><th>state</th></tr></thead>' +
    `<tbody>${rows}</tbody>`;
}

function renderSummary() {
  const p = state.lastTick?.processes;
  if (!p) return;
  const silent = p.silent.length ? ` · not answering: scheduler ${p.silent.map(nodeName).join(', ')}` : '';
  $('#summary').textContent = `${state.schedulers.length} schedulers · ${num(p.total)} processes · actions ${state.allowActions ? 'on' : 'off'} · snapshot ${p.costMs.toFixed(1)} ms${silent}`;
}

// ---- processes -------------------------------------------------------------------------------------

function renderProcesses() {
  const p = state.lastTick?.processes;
  if (!p) return;
  const { key, dir } = state.sort;
  const rows = [...p.rows].sort((a, b) => {
    const x = a[key] ?? '';
    const y = b[key] ?? '';
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir || a.pid - b.pid;
  });
  const shown = rows.slice(0, state.limit);
  setHtml($('#process-table tbody'), shown
    .map(
      (r) => `<tr data-pid="${r.pid}" data-name="${esc(r.name)}"><td>${pidLink(r.pid)}</td><td>${esc(r.registeredName ? `${r.name} (${r.registeredName})` : r.name)}</td>
      <td class="def" title="${esc(r.key)}">${esc(shortKey(r.key))}</td><td class="num">${nodeName(r.scheduler)}</td><td>${r.status}</td>
      <td class="num" data-col="windowSteps">${num(r.windowSteps)}</td><td class="num">${num(r.steps)}</td><td class="num">${num(r.mailboxLength)}</td>
      <td class="num">${bytes(r.memory)}</td><td class="num">${num(r.messagesHandled)}</td></tr>`,
    )
    .join(''));
  for (const th of document.querySelectorAll('#process-table th')) {
    th.classList.toggle('sorted', th.dataset.key === key);
    th.classList.toggle('asc', th.dataset.key === key && dir === 1);
  }
  const matched = state.filter ? `${num(p.matched)} match · ` : '';
  $('#process-count').textContent = `${matched}showing ${shown.length} of ${num(p.total)} processes`;
}

// ---- supervision trees ---------------------------------------------------------------------------

function renderTree() {
  const forest = state.lastTick?.supervisors;
  if (!forest) return;
  const now = Date.now();
  const seen = new Map();
  const html = forest.length ? forest.map((node) => supervisorHtml(node, now, seen)).join('') : '<p class="hint">No supervisors are running.</p>';
  state.childPids = seen;
  setHtml($('#tree'), html);
}

function supervisorHtml(node, now, seen) {
  const title = node.registeredName ? `${node.name} (${node.registeredName})` : node.name;
  const flags = node.kind === 'dynamic' ? 'dynamic' : node.strategy;
  const children = node.children
    .map((c) => {
      const key = `${node.pid}/${c.id}`;
      const before = state.childPids.get(key);
      // A new pid where there was another: it restarted; flash for a few seconds.
      if (before !== undefined && before !== c.pid) state.flashUntil.set(key, now + 3000);
      seen.set(key, c.pid);
      const flash = (state.flashUntil.get(key) ?? 0) > now;
      const pid = typeof c.pid === 'number' ? pidLink(c.pid) : `<span class="meta">${c.pid ?? 'terminated'}</span>`;
      return `<li class="child${flash ? ' flash' : ''}" data-id="${esc(c.id)}" data-child-pid="${c.pid ?? ''}" data-restarts="${c.restarts}">
        <span class="id">${esc(c.id)}</span>${pid}<span class="meta">${c.type}, ${c.restart}</span>
        <span class="badge restarts${c.restarts ? ' some' : ''}">restarts: ${c.restarts}</span>
        ${typeof c.pid === 'number' && !c.supervisor ? actionsHtml(c.pid, true) : ''}
        ${c.supervisor ? supervisorHtml(c.supervisor, now, seen) : ''}</li>`;
    })
    .join('');
  const more = node.childrenNotShown ? `<li class="meta">… and ${num(node.childrenNotShown)} more</li>` : '';
  return `<div class="sup" data-sup-pid="${node.pid}"><div class="sup-head">${esc(title)} ${pidLink(node.pid)}
    <span class="meta">${flags} · at most ${node.intensity} restarts in ${node.period} ms · scheduler ${nodeName(node.scheduler)}</span></div>
    <ul class="children">${children}${more}</ul></div>`;
}

// ---- actions ---------------------------------------------------------------------------------------

function actionsHtml(pid, mayMove) {
  if (!state.allowActions) return '';
  const moves = mayMove ? state.schedulers.map((id) => `<button data-act="migrate" data-pid="${pid}" data-to="${id}" title="move to scheduler ${id}">→ ${id}</button>`).join('') : '';
  return `<span class="actions"><button data-act="exit" data-pid="${pid}">exit</button>${moves}</span>`;
}

async function act(button) {
  const pid = Number(button.dataset.pid);
  let body;
  let path;
  if (button.dataset.act === 'exit') {
    let reason = $('#reason').value;
    if (reason === 'custom') reason = prompt('Exit reason') ?? '';
    if (!reason) return;
    body = { pid, reason };
    path = '/api/exit';
  } else {
    body = { pid, to: Number(button.dataset.to) };
    path = '/api/migrate';
  }
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-beamjs-token': token }, body: JSON.stringify(body) });
  const out = await res.json().catch(() => ({}));
  toast(res.ok ? `${path === '/api/exit' ? `exit ${body.reason} sent to` : `moved to scheduler ${body.to}:`} ${pidText(pid)}` : out.error ?? `failed (${res.status})`, !res.ok);
}

function toast(text, error) {
  const el = $('#toast');
  el.textContent = text;
  el.className = error ? 'error' : '';
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}

// ---- process detail ----------------------------------------------------------------------------

async function renderDetail() {
  const pid = state.detailPid;
  const el = $('#detail');
  if (pid === undefined) return;
  const res = await fetch(`/api/process/${pid}?token=${encodeURIComponent(token)}`);
  if (state.detailPid !== pid) return;
  if (!res.ok) {
    setHtml(el, `<h2>${esc(pidText(pid))}</h2><p class="hint">Process ${esc(pidText(pid))} is not alive (it exited, or its scheduler did not answer).</p>`);
    return;
  }
  const p = await res.json();
  const list = (pids) => (pids.length ? pids.map(pidLink).join(' ') : '<span class="meta">none</span>');
  const sup = p.supervisor
    ? `<h3>Children (${p.supervisor.kind === 'dynamic' ? 'dynamic' : p.supervisor.strategy})</h3><ul>${p.supervisor.children
        .map((c) => `<li>${esc(c.id)} ${typeof c.pid === 'number' ? pidLink(c.pid) : esc(c.pid ?? 'terminated')} · ${c.type}, ${c.restart} · restarts: ${c.restarts}</li>`)
        .join('')}</ul>`
    : '';
  setHtml(el, `<h2>${esc(p.name)} ${esc(pidText(p.pid))} ${actionsHtml(p.pid, p.kind === 'actor')}</h2>
    <dl class="info">
      <dt>registered name</dt><dd>${esc(p.registeredName ?? '–')}</dd>
      <dt>definition</dt><dd>${esc(p.key || 'a mailbox of the main thread')}</dd>
      <dt>kind</dt><dd>${p.kind}${p.kind === 'actor' ? ' (behaviour process: can move between messages)' : ''}</dd>
      <dt>status</dt><dd>${p.status}</dd>
      <dt>scheduler</dt><dd>${nodeName(p.scheduler)}${p.movable ? ' (movable now)' : ''}</dd>
      <dt>trap exits</dt><dd>${p.trapExit}</dd>
      <dt>messages handled</dt><dd>${num(p.messagesHandled)}</dd>
      <dt>steps</dt><dd>${num(p.steps)}</dd>
      <dt>memory (estimate)</dt><dd>${bytes(p.memory)}</dd>
      <dt>links</dt><dd data-field="links">${list(p.links)}</dd>
      <dt>monitors</dt><dd>${list(p.monitors.map((m) => m.pid))}</dd>
      <dt>monitored by</dt><dd>${list(p.monitoredBy)}</dd>
      <dt>mailbox</dt><dd>${num(p.mailboxLength)} message${p.mailboxLength === 1 ? '' : 's'}</dd>
    </dl>
    ${p.mailboxHead.length ? `<h3>Mailbox head</h3>${p.mailboxHead.map((m) => `<pre>${esc(m)}</pre>`).join('')}` : ''}
    ${p.state !== undefined ? `<h3>State</h3><pre>${esc(p.state)}</pre>` : ''}
    ${sup}`);
}

// ---- navigation and controls -------------------------------------------------------------------

function currentView() {
  const hash = location.hash.slice(1) || 'load';
  return hash.split('/')[0];
}

function route() {
  const [view, arg] = (location.hash.slice(1) || 'load').split('/');
  for (const name of ['load', 'processes', 'tree', 'process']) $(`#view-${name}`).hidden = name !== view;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
  if (view === 'process') {
    if (arg !== undefined) state.detailPid = Number(arg);
    void renderDetail();
  }
  if (view === 'load') {
    // Charts built while hidden have no width: size them now.
    for (const chart of Object.values(state.charts)) chart.setSize({ width: Math.max(300, chart.root.parentElement.clientWidth), height: 200 });
  }
}

document.addEventListener('click', (e) => {
  const target = e.target;
  const button = target.closest?.('button[data-act]');
  if (button) {
    e.preventDefault();
    void act(button);
    return;
  }
  const th = target.closest?.('#process-table th');
  if (th) {
    const key = th.dataset.key;
    state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : ['name', 'key', 'status', 'pid'].includes(key) ? 1 : -1 };
    renderProcesses();
    return;
  }
  const row = target.closest?.('tr[data-pid]');
  if (row && !target.closest('a')) location.hash = `process/${row.dataset.pid}`;
});

let filterTimer;
$('#filter').addEventListener('input', (e) => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    state.filter = e.target.value.trim();
    connect();
  }, 250);
});
$('#limit').addEventListener('change', (e) => {
  state.limit = Number(e.target.value);
  connect();
});
window.addEventListener('hashchange', route);
window.addEventListener('resize', () => route());

route();
connect();
