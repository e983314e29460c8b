/**
 * The web observer in a real browser: Debian's chromium, driven by playwright-core (no browser
 * download). A VM runs the supervision-tree example; the page must show it. The test also
 * writes a screenshot of each view: into test/.output/observer/, or into docs/observer/ (the
 * README's pictures) with BEAMJS_UPDATE_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startVM, type Observer, type VM } from '@beamjs/scheduler';
import { client, startTree } from '../examples/supervision-tree.js';

// Page functions run in the browser; these are the DOM names they use (this Node program has no DOM types).
interface HTMLElement {
  dataset: Record<string, string | undefined>;
  closest(selector: string): HTMLElement | null;
  querySelector(selector: string): HTMLElement | null;
}
declare const document: { querySelector(selector: string): HTMLElement | null; querySelectorAll(selector: string): ArrayLike<HTMLElement> };

const EXAMPLE = new URL('../examples/supervision-tree.ts', import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL(process.env.BEAMJS_UPDATE_SCREENSHOTS ? '../docs/observer/' : './.output/observer/', import.meta.url));
const WORKERS = 4;

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`the observer's browser test needs Debian's chromium (not found at ${candidates.join(', ')}): apt-get install -y chromium, or set CHROMIUM_PATH`);
  }
  return found;
}

describe('the web observer, in chromium, watching the supervision-tree example', () => {
  let vm: VM;
  let observer: Observer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    vm = await startVM({ schedulers: 2, modules: [EXAMPLE], onReport: () => undefined });
    await startTree(vm.context, WORKERS, 0);
    // Clients keep the workers busy while the page watches (their reports go to vm.self, unread).
    for (let slot = 0; slot < WORKERS; slot++) vm.spawn(client, vm.self as never, slot, Array.from({ length: 100_000 }, (_, i) => i));
    observer = await vm.observe({ allowActions: true, intervalMs: 250 });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(observer.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await vm?.stop(1000);
  });

  it('charts utilization with data for every scheduler', async () => {
    await page.waitForFunction(
      () => {
        const points = (document.querySelector('#chart-util')?.closest('figure')?.querySelector('[data-points]') as HTMLElement | null)?.dataset.points;
        const counts = points ? (JSON.parse(points) as number[]) : [];
        return counts.length === 2 && counts.every((n) => n >= 4);
      },
      undefined,
      { timeout: 20_000 },
    );
    const legend = await page.locator('#chart-util .u-legend .u-series').allInnerTexts();
    expect(legend.join(' ')).toContain('scheduler 0');
    expect(legend.join(' ')).toContain('scheduler 1');
    await page.locator('#scheduler-table tbody tr').first().waitFor();
    expect(await page.locator('#scheduler-table tbody tr').count()).toBe(2);
    await page.screenshot({ path: `${SHOTS}/load.png`, fullPage: true });
  });

  it("lists the example's workers and sorts them by steps", async () => {
    await page.click('nav a[data-view="processes"]');
    await page.waitForFunction((n) => document.querySelectorAll('#process-table tr[data-name="worker"]').length === n, WORKERS, { timeout: 20_000 });
    const stepsOf = async (col: number): Promise<number[]> =>
      (await page.locator(`#process-table tbody tr td:nth-child(${col})`).allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
    // Total steps (column 7): descending on the first click, ascending on the second.
    await page.click('#process-table th[data-key="steps"]');
    const down = await stepsOf(7);
    expect(down.length).toBeGreaterThanOrEqual(WORKERS);
    expect(down).toEqual([...down].sort((a, b) => b - a));
    expect(down[0]).toBeGreaterThan(0);
    await page.click('#process-table th[data-key="steps"]');
    const up = await stepsOf(7);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    // Steps over the last tick (column 6), the default order.
    await page.click('#process-table th[data-key="windowSteps"]');
    const window = await stepsOf(6);
    expect(window).toEqual([...window].sort((a, b) => b - a));
    expect(window[0]).toBeGreaterThan(0);
    // The filter finds the registry by its registered name.
    await page.fill('#filter', 'pool-registry');
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('#process-table tbody tr');
      return rows.length === 1 && (rows[0] as HTMLElement).dataset.name === 'registry';
    }, undefined, { timeout: 20_000 });
    await page.fill('#filter', '');
    await page.waitForFunction((n) => document.querySelectorAll('#process-table tr[data-name="worker"]').length === n, WORKERS, { timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/processes.png`, fullPage: true });
  });

  it('shows the supervision tree, and a killed worker restarts with a new pid and a restart count of 1', async () => {
    await page.click('nav a[data-view="tree"]');
    const pool = page.locator('li.child[data-id="workers"] > .sup');
    await pool.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('.sup > ul > li.child[data-id="registry"]').count(), { timeout: 20_000 }).toBe(1);
    const workers = pool.locator(':scope > ul > li.child');
    expect(await workers.count()).toBe(WORKERS);
    expect(await workers.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.restarts))).toEqual(['0', '0', '0', '0']);

    const victim = pool.locator('li.child[data-id="worker-1"]');
    const before = Number(await victim.getAttribute('data-child-pid'));
    expect(vm.isAlive(before)).toBe(true);
    await victim.locator('button[data-act="exit"]').click();
    await page.waitForFunction(
      (old) => {
        const li = document.querySelector('li.child[data-id="worker-1"]') as HTMLElement | null;
        return !!li && li.dataset.restarts === '1' && li.dataset.childPid !== String(old) && li.dataset.childPid !== '';
      },
      before,
      { timeout: 20_000 },
    );
    const after = Number(await victim.getAttribute('data-child-pid'));
    expect(after).not.toBe(before);
    expect(vm.isAlive(before)).toBe(false);
    expect(vm.isAlive(after)).toBe(true);
    expect(await victim.getAttribute('class')).toContain('flash');
    await page.screenshot({ path: `${SHOTS}/supervision.png`, fullPage: true });
    // The other workers were left alone (one_for_one).
    expect(await workers.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.restarts))).toEqual(['0', '1', '0', '0']);
  });

  it("shows a process's detail with links to its linked processes", async () => {
    const supPid = Number(await page.locator('li.child[data-id="workers"] > .sup').getAttribute('data-sup-pid'));
    const workerPid = Number(await page.locator('li.child[data-id="worker-2"]').getAttribute('data-child-pid'));
    await page.click(`li.child[data-id="worker-2"] a[data-pid-link="${workerPid}"]`);
    await page.locator('#detail dl.info').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator(`#detail [data-field="links"] a[data-pid-link="${supPid}"]`).count(), { timeout: 20_000 }).toBe(1);
    const text = await page.locator('#detail').innerText();
    expect(text).toContain('worker');
    expect(text).toMatch(/trap exits\s+false/);
    expect(text).toContain('State');
    await page.screenshot({ path: `${SHOTS}/process.png`, fullPage: true });
    // Following the link opens the supervisor's detail: it traps exits.
    await page.click(`#detail [data-field="links"] a[data-pid-link="${supPid}"]`);
    await expect.poll(() => page.locator('#detail').innerText(), { timeout: 20_000 }).toMatch(/trap exits\s+true/);
  });

  it('refuses the kill endpoint without the token, and without the flag', async () => {
    const pid = Number(await page.evaluate(() => (document.querySelector('li.child[data-id="worker-3"]') as HTMLElement).dataset.childPid));
    const base = new URL(observer.url);
    const exit = (url: string, headers: Record<string, string>) =>
      fetch(new URL('/api/exit', url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ pid, reason: 'kill' }) });
    expect((await exit(base.origin, {})).status).toBe(401);
    expect((await exit(base.origin, { 'x-beamjs-token': 'wrong' })).status).toBe(401);
    // The token in the query string is not enough for an action (a cross-site form could send that).
    expect((await exit(`${base.origin}/?token=${observer.token}`, {})).status).toBe(401);
    const noActions = await vm.observe();
    try {
      const res = await exit(new URL(noActions.url).origin, { 'x-beamjs-token': noActions.token });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain('--observe-allow-kill');
      const data = await fetch(new URL(`/api/view?token=${noActions.token}`, noActions.url));
      expect(data.status).toBe(200);
      expect((await fetch(new URL('/api/view', noActions.url))).status).toBe(401);
    } finally {
      await noActions.close();
    }
    expect(vm.isAlive(pid)).toBe(true);
  });
});

describe('beamjs run --observe', () => {
  it('prints the observer URL on loopback; the page needs its token and actions are off without --observe-allow-kill', async () => {
    const cli = spawn(process.execPath, ['packages/cli/bin/beamjs.js', 'run', 'examples/supervision-tree.ts', '--observe', '--schedulers', '2', '--', '1000000', '2', '0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no observer URL within 20 s; stderr: ${stderr}`)), 20_000);
        cli.stderr.on('data', (chunk) => {
          stderr += chunk;
          const m = /observer at (http:\/\/\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        cli.on('exit', (code) => reject(new Error(`beamjs exited (${code}) before printing the URL: ${stderr}`)));
      });
      const page = new URL(url);
      expect(page.hostname).toBe('127.0.0.1');
      const token = page.searchParams.get('token')!;
      expect(token.length).toBeGreaterThanOrEqual(20);
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(page.origin)).status).toBe(401);
      // The URL is printed before main runs: wait for the example's tree to be up.
      let view: { supervisors: { pid: number }[] } = { supervisors: [] };
      const deadline = Date.now() + 20_000;
      while (view.supervisors.length === 0 && Date.now() < deadline) {
        view = (await (await fetch(new URL(`/api/view?token=${token}`, page.origin))).json()) as typeof view;
        if (view.supervisors.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(view.supervisors.length).toBe(1);
      const refused = await fetch(new URL('/api/exit', page.origin), { method: 'POST', headers: { 'x-beamjs-token': token }, body: JSON.stringify({ pid: view.supervisors[0].pid }) });
      expect(refused.status).toBe(403);
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
