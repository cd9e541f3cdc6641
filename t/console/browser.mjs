/* SPDX-License-Identifier: Apache-2.0 */
// Drives a headless chromium through mod_occi's web console as a person
// would: creates a network and a compute through the forms (a template
// chosen, the network attached), sees a refusal worded by the server,
// sees the compute listed, starts, suspends and stops it, deletes both.
// Run by t/libvirt/console_browser.t, which checks what this prints: one
// JSON object per line, {"ok": bool, "name": "...", "diag": "..."}, then
// {"done": true}.
//
// Usage: node browser.mjs BASE_URL SCREENSHOT_DIR [CHROMIUM]
//   BASE_URL        the API's mount, e.g. http://127.0.0.1:8529
//   SCREENSHOT_DIR  where the PNGs of the main pages are written
//   CHROMIUM        the browser (default /usr/bin/chromium)
// Environment, for a server with other templates or a real hypervisor:
//   OCCI_CONSOLE_OS_TEMPLATE  the title of the OS template to choose
//                             (default "Debian 12 (bookworm)")
//   OCCI_CONSOLE_NETWORK_UP   1: bring the network up before the compute
//                             starts (a real guest's interface needs it)
//   OCCI_CONSOLE_VIRSH_URI    the hypervisor's libvirt URI: states are then
//                             changed behind the page's back with virsh;
//                             without it, by another client of the API
//   OCCI_CONSOLE_SCREEN       1: the compute has a screen (a real guest with
//                             OCCIScreenListen, noVNC served): it is shown
//   OCCI_CONSOLE_USAGE        1: the server records usage (a real guest,
//                             sampled every OCCIUsageInterval seconds): the
//                             compute's usage charts fill in
//   OCCI_CONSOLE_BASIC        PATH:USER:PASSWORD, a mount behind Basic
//                             authentication, opened with the credentials
//                             in the address as people paste them
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, shots, executable = '/usr/bin/chromium'] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node browser.mjs BASE_URL SCREENSHOT_DIR [CHROMIUM]');
  process.exit(2);
}
const origin = new URL(base).origin;
const mount = base.replace(/\/$/, '');
const suffix = `${process.pid}-${Date.now() % 100000}`;
const computeTitle = `browser-vm-${suffix}`;
const networkTitle = `browser-net-${suffix}`;
const diskTitle = `browser-disk-${suffix}`;
const osTemplate = process.env.OCCI_CONSOLE_OS_TEMPLATE || 'Debian 12 (bookworm)';
const networkUp = process.env.OCCI_CONSOLE_NETWORK_UP === '1';
const virshUri = process.env.OCCI_CONSOLE_VIRSH_URI || '';
const basic = process.env.OCCI_CONSOLE_BASIC || '';
const withScreen = process.env.OCCI_CONSOLE_SCREEN === '1';
const withUsage = process.env.OCCI_CONSOLE_USAGE === '1';
// A state changed elsewhere must show within this, without a reload.
const LIVE_LIMIT_MS = 2000;
mkdirSync(shots, { recursive: true });

function report(ok, name, diag) {
  process.stdout.write(JSON.stringify({ ok: !!ok, name, ...(diag ? { diag: String(diag) } : {}) })
    + '\n');
  return ok;
}

// A step that throws reports a failure and stops the run: later steps
// depend on it.
async function step(name, body) {
  try {
    const result = await body();
    return report(result !== false, name);
  } catch (error) {
    report(false, name, error && error.stack || error);
    throw new Error('stopped');
  }
}

const offOrigin = [];
const consoleErrors = [];
const pageErrors = [];

const browser = await chromium.launch({
  executablePath: executable,
  headless: true,
  // Root cannot use chromium's sandbox.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: 60000,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
page.on('request', (request) => {
  const url = request.url();
  if (!url.startsWith('data:') && new URL(url).origin !== origin) offOrigin.push(url);
});
page.on('console', (message) => {
  if (message.type() === 'error') {
    consoleErrors.push({ text: message.text(), url: (message.location() || {}).url || '' });
  }
});
page.on('pageerror', (error) => pageErrors.push(String(error)));

// The console marks <main data-ready> once a page is drawn.
async function open(path) {
  await page.goto(mount + path);
  await page.waitForSelector('main[data-ready="true"]');
}

async function entityState() {
  return (await page.locator('#entity-state').innerText()).trim();
}

async function waitForState(expected) {
  await page.waitForFunction((want) => {
    const node = document.querySelector('#entity-state');
    return node && node.textContent.trim() === want;
  }, expected);
  return (await entityState()) === expected;
}

async function act(term, method) {
  const form = page.locator(`form.action[data-action="${term}"]`);
  if (method) await form.locator('select').selectOption(method);
  const answer = page.waitForResponse((r) => r.request().method() === 'POST'
    && r.url().includes(`?action=${term}`));
  await form.locator('button[type="submit"]').click();
  return (await answer).status();
}

// Marks the page, so that a step can tell it was not loaded again.
async function markPage() {
  await page.evaluate(() => { window.occiTestMark = 'not reloaded'; });
}

async function pageKept() {
  return (await page.evaluate(() => window.occiTestMark)) === 'not reloaded';
}

// Changes the compute's state behind the page's back: with virsh on the
// hypervisor, or as another client of the API. virshCommand: suspend,
// resume; apiAction: the action another client runs instead.
async function changeElsewhere(virshCommand, apiAction) {
  if (virshUri) {
    const domain = 'occi-' + computePath.split('/').pop();
    execFileSync('virsh', ['-q', '-c', virshUri, virshCommand, domain], { timeout: 30000 });
    return;
  }
  const answer = await fetch(origin + computePath + '?action=' + apiAction, {
    method: 'POST',
    headers: { 'Content-Type': 'application/occi+json', Accept: 'application/occi+json' },
    body: JSON.stringify({
      action: 'http://schemas.ogf.org/occi/infrastructure/compute/action#' + apiAction }),
  });
  if (answer.status !== 200) throw new Error(`${apiAction} by another client: ${answer.status}`);
}

// Milliseconds until the page shows state, read every 50 ms, or throws.
async function secondsUntilShown(selector, state) {
  const started = Date.now();
  await page.waitForFunction(([where, want]) => {
    const node = document.querySelector(where);
    return node && node.textContent.trim() === want;
  }, [selector, state], { timeout: 10000, polling: 50 });
  return Date.now() - started;
}

let computePath;
let networkPath;
let diskPath;
let exitCode = 0;
try {
  await step('the console opens at the root, with a heading and the kinds', async () => {
    const response = await page.goto(mount + '/');
    await page.waitForSelector('main[data-ready="true"]');
    const type = response.headers()['content-type'];
    const heading = await page.locator('h1').innerText();
    const sections = await page.locator('section.kind h2').allInnerTexts();
    if (!type.startsWith('text/html') || heading !== 'Resources'
        || !['Virtual machines', 'Disks', 'Networks'].every(
          (k) => sections.some((s) => s.startsWith(k)))) {
      throw new Error(`content-type ${type}, heading ${heading}, sections ${sections}`);
    }
  });

  await step('a network is created through its form', async () => {
    await open('/network/#new');
    await page.getByLabel('Title', { exact: true }).fill(networkTitle);
    await page.getByRole('button', { name: 'Create network' }).click();
    await page.waitForURL(/\/network\/[0-9a-f-]{36}$/);
    await page.waitForSelector('main[data-ready="true"]');
    networkPath = new URL(page.url()).pathname;
    return (await page.locator('h1').innerText()).includes(networkTitle);
  });

  if (networkUp) {
    await step('up: the network becomes active', async () => {
      const status = await act('up');
      return status === 200 && waitForState('active');
    });
  }

  await step('a disk is created through its form', async () => {
    await open('/storage/#new');
    await page.getByLabel('Title', { exact: true }).fill(diskTitle);
    await page.locator('form.create input[name="occi.storage.size"]').fill('1');
    await page.getByRole('button', { name: 'Create disk' }).click();
    await page.waitForURL(/\/storage\/[0-9a-f-]{36}$/);
    await page.waitForSelector('main[data-ready="true"]');
    diskPath = new URL(page.url()).pathname;
    const attributes = await page.locator('table.attributes').innerText();
    return (await page.locator('h1').innerText()).includes(diskTitle)
      && attributes.includes('1 GiB');
  });

  await step('the compute form offers the OS templates and the network', async () => {
    await open('/compute/#new');
    await page.waitForSelector('form.create');
    const osTemplates = await page.getByLabel('OS template').locator('option').allInnerTexts();
    const networks = await page.getByLabel('Attach to network').locator('option').allInnerTexts();
    if (!osTemplates.includes(osTemplate) || !networks.includes(networkTitle)) {
      throw new Error(`OS templates ${osTemplates}; networks ${networks}`);
    }
  });

  await step('the compute form, filled in', async () => {
    await page.getByLabel('Title', { exact: true }).fill(computeTitle);
    await page.getByLabel('Hostname', { exact: true }).fill('browser.example.com');
    await page.getByLabel('OS template').selectOption({ label: osTemplate });
    await page.getByLabel('Resource template').selectOption({ label: 'Small: 1 core, 0.5 GiB' });
    await page.getByLabel('Attach to network').selectOption({ label: networkTitle });
    await page.getByLabel('Attach a disk').selectOption({ label: `${diskTitle} (1 GiB)` });
    await page.screenshot({ path: join(shots, 'console-create.png'), fullPage: true });
  });

  await step('a value the server refuses shows the server\'s own message', async () => {
    await page.getByLabel('Cores', { exact: true }).fill('5000');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create virtual machine' }).click();
    const response = await answer;
    const body = await response.json();
    const shown = page.locator('form.create [role="alert"] .error-message');
    await shown.waitFor();
    const text = await shown.innerText();
    const status = await page.locator('form.create [role="alert"] .error-status').innerText();
    // The focus is on the error, where a screen reader reads it.
    const focused = await page.evaluate(() => !!document.activeElement
      && document.activeElement.matches('form.create [role="alert"]'));
    if (response.status() !== 400 || text !== body.message || !status.includes('400')
        || !focused) {
      throw new Error(`status ${response.status()}, server said ${JSON.stringify(body)}, `
        + `page shows ${JSON.stringify(status)} ${JSON.stringify(text)}, focused ${focused}`);
    }
  });

  await step('creating it, once corrected, leads to the new compute, inactive', async () => {
    await page.locator('form.create [role="alert"]').screenshot(
      { path: join(shots, 'console-error.png') });
    await page.getByLabel('Cores', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Create virtual machine' }).click();
    await page.waitForURL(/\/compute\/[0-9a-f-]{36}$/);
    await page.waitForSelector('main[data-ready="true"]');
    computePath = new URL(page.url()).pathname;
    const notice = await page.locator('.notice').innerText();
    return (await entityState()) === 'inactive' && notice.includes(computeTitle);
  });

  await step('the compute is listed with its state, inactive', async () => {
    await open('/compute/');
    const row = page.locator(`tr[data-location="${computePath}"]`);
    const title = await row.locator('td').first().innerText();
    const state = await row.locator('.state').innerText();
    if (title !== computeTitle || state !== 'inactive') throw new Error(`${title}: ${state}`);
  });

  await step('the search keeps the rows that match, and says when none does', async () => {
    await markPage();
    const row = page.locator(`tr[data-location="${computePath}"]`);
    await page.locator('#list-search').fill(computeTitle.slice(-8));
    const kept = await row.count();
    await page.locator('#list-search').fill('no-such-machine-anywhere');
    await page.locator('.no-match').waitFor();
    const hidden = await row.count();
    const said = await page.locator('.no-match').innerText();
    await page.locator('#list-search').fill('');
    await row.waitFor();
    if (kept !== 1 || hidden !== 0 || !said.includes('no-such-machine-anywhere')
        || !(await pageKept())) {
      throw new Error(`kept ${kept}, hidden ${hidden}, said ${said}`);
    }
  });

  await step('machines made elsewhere appear without a reload, and the title sorts them',
    async () => {
      const made = [];
      for (const title of [`zzz-${suffix}`, `aaa-${suffix}`]) {
        const answer = await fetch(origin + '/compute/', {
          method: 'POST',
          headers: { 'Content-Type': 'application/occi+json', Accept: 'application/occi+json' },
          body: JSON.stringify({ kind: 'http://schemas.ogf.org/occi/infrastructure#compute',
            title }),
        });
        if (answer.status !== 201) throw new Error(`creating ${title}: ${answer.status}`);
        made.push(new URL(answer.headers.get('location')).pathname);
      }
      try {
        const titles = () => page.locator('table.entities tbody tr td:first-child')
          .allInnerTexts();
        await page.locator(`tr[data-location="${made[1]}"]`).waitFor({ timeout: LIVE_LIMIT_MS + 1000 });
        await page.locator('button[data-action="sort-title"]').click();
        const ascending = (await titles()).filter((t) => t.endsWith(suffix));
        await page.locator('button[data-action="sort-title"]').click();
        const descending = (await titles()).filter((t) => t.endsWith(suffix));
        const sortState = await page.locator('th:has(button[data-action="sort-title"])')
          .getAttribute('aria-sort');
        const want = [`aaa-${suffix}`, computeTitle, `zzz-${suffix}`];
        if (ascending.join() !== want.join() || descending.join() !== want.reverse().join()
            || sortState !== 'descending' || !(await pageKept())) {
          throw new Error(`ascending ${ascending}, descending ${descending}, aria-sort ${sortState}`);
        }
      } finally {
        for (const path of made) await fetch(origin + path, { method: 'DELETE' });
      }
      await page.locator(`tr[data-location="${made[0]}"]`).waitFor(
        { state: 'detached', timeout: LIVE_LIMIT_MS + 1000 });
    });

  await step('the root lists it under Virtual machines, the network under Networks', async () => {
    await open('/');
    const compute = page.locator('section.kind', { hasText: 'Virtual machines' })
      .locator(`tr[data-location="${computePath}"]`);
    const network = page.locator('section.kind', { hasText: 'Networks' })
      .locator(`tr[data-location="${networkPath}"]`);
    await compute.waitFor();
    await network.waitFor();
    await page.screenshot({ path: join(shots, 'console-list.png'), fullPage: true });
  });

  // save is not offered: the templates of these runs have no disk to copy.
  await step('opening it shows attributes, mixins, the link and only start', async () => {
    await page.locator(`tr[data-location="${computePath}"] a`).click();
    await page.waitForURL(new RegExp(computePath + '$'));
    await page.waitForSelector('main[data-ready="true"]');
    const attributes = await page.locator('table.attributes').innerText();
    const mixins = await page.locator('ul.mixins').innerText();
    // The link's target is named by its title, read from the network.
    const target = page.locator(`table.links a[href="${networkPath}"]`);
    const disk = page.locator(`table.links a[href="${diskPath}"]`);
    await page.waitForFunction((titles) => titles.every((title) => [...document
      .querySelectorAll('table.links a')].some((a) => a.textContent === title)),
    [networkTitle, diskTitle]);
    const links = await page.locator('table.links').innerText();
    const actions = await page.locator('form.action').evaluateAll(
      (forms) => forms.map((f) => f.dataset.action));
    if (!attributes.includes('browser.example.com') || !attributes.includes('0.5 GiB')
        || !mixins.includes(osTemplate) || (await target.innerText()) !== networkTitle
        || (await disk.innerText()) !== diskTitle
        || actions.join(',') !== 'start') {
      throw new Error(`attributes ${attributes}\nmixins ${mixins}\nlinks ${links}\n`
        + `actions ${actions}`);
    }
  });

  await step('start: the state becomes active, and the keyboard is on the next action', async () => {
    const status = await act('start');
    const focused = await page.waitForFunction(() => {
      const form = document.activeElement && document.activeElement.closest('form.action');
      return form && form.dataset.action;
    });
    return status === 200 && (await waitForState('active'))
      && ['stop', 'restart', 'suspend', 'save'].includes(await focused.jsonValue());
  });

  await step('the compute page, active', async () => {
    await page.screenshot({ path: join(shots, 'console-resource.png'), fullPage: true });
  });

  if (withScreen) {
    await step('the screen shows what the guest prints on it', async () => {
      await page.locator('#screen-open').click();
      await page.waitForSelector('#screen[data-connected="true"]', { timeout: 30000 });
      // The guest fills its screen with lines of text once it runs: light
      // pixels on the black of a text console, down to the bottom quarter,
      // where the firmware's few lines never reach.
      await page.waitForFunction(() => {
        const canvas = document.querySelector('#screen canvas');
        if (!canvas || !canvas.width || !canvas.height) return false;
        const top = Math.floor(canvas.height * 0.75);
        const data = canvas.getContext('2d')
          .getImageData(0, top, canvas.width, canvas.height - top).data;
        let light = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] + data[i + 1] + data[i + 2] > 300) light += 1;
        }
        return light > 300;
      }, null, { timeout: 60000, polling: 500 });
      await page.locator('section[aria-labelledby="h-screen"]').screenshot(
        { path: join(shots, 'console-screen.png') });
    });
  }

  if (withUsage) {
    await step('the usage charts fill in: CPU figures, the memory the guest uses', async () => {
      const section = page.locator('section#usage');
      await section.waitFor();
      // Three figures of the CPU drawn by Chart.js, and a memory figure:
      // the server's sampling has run a few times while the page followed.
      await page.waitForFunction(() => {
        const usage = document.querySelector('section#usage');
        const canvas = usage && usage.querySelector('figure[data-usage="cpu"] canvas');
        const chart = canvas && window.Chart && window.Chart.getChart(canvas);
        const memory = usage && usage.querySelector('figure[data-usage="memory"]');
        return chart && chart.data.datasets[0].data.filter((p) => p.y !== null).length >= 3
          && memory && Number(memory.dataset.latest) > 0;
      }, null, { timeout: 60000, polling: 500 });
      const drawn = await page.evaluate(() => {
        const canvas = document.querySelector('section#usage figure[data-usage="cpu"] canvas');
        const chart = window.Chart.getChart(canvas);
        // The CPU line's own colour on the canvas: the figures are drawn,
        // not only the axes.
        const line = chart.data.datasets[0].borderColor;
        const probe = document.createElement('canvas').getContext('2d');
        probe.fillStyle = line;
        probe.fillRect(0, 0, 1, 1);
        const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        let lineColoured = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          painted += 1;
          if (data[i + 3] > 128 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g)
              + Math.abs(data[i + 2] - b) < 60) lineColoured += 1;
        }
        return { painted, lineColoured, label: canvas.getAttribute('aria-label'),
          memory: document.querySelector('section#usage figure[data-usage="memory"] .usage-now')
            .textContent };
      });
      await section.screenshot({ path: join(shots, 'console-usage.png') });
      if (drawn.painted < 1000 || drawn.lineColoured < 5
          || !/^CPU, last hour; (now|last) [0-9]/.test(drawn.label)
          || !/MiB|GiB/.test(drawn.memory)) {
        throw new Error(`canvas: ${drawn.painted} pixels painted, ${drawn.lineColoured} of the `
          + `line's colour; label ${JSON.stringify(drawn.label)}; memory ${drawn.memory}`);
      }
    });
  }

  await step(`a state changed elsewhere (${virshUri ? 'virsh' : 'another client'}) shows `
      + `within ${LIVE_LIMIT_MS} ms, without a reload`, async () => {
    await markPage();
    await changeElsewhere('suspend', 'suspend');
    const suspended = await secondsUntilShown('#entity-state', 'suspended');
    const actions = await page.locator('form.action').evaluateAll(
      (forms) => forms.map((f) => f.dataset.action));
    await changeElsewhere('resume', 'start');
    const active = await secondsUntilShown('#entity-state', 'active');
    if (suspended > LIVE_LIMIT_MS || active > LIVE_LIMIT_MS || !(await pageKept())
        || !actions.includes('start')) {
      throw new Error(`suspended shown after ${suspended} ms (actions ${actions}), active `
        + `after ${active} ms, page kept: ${await pageKept()}`);
    }
  });

  await step('suspend: the state becomes suspended', async () => {
    const status = await act('suspend');
    return status === 200 && waitForState('suspended');
  });

  await step('start again: active', async () => {
    const status = await act('start');
    return status === 200 && waitForState('active');
  });

  await step('stop with method poweroff: inactive', async () => {
    const status = await act('stop', 'poweroff');
    return status === 200 && waitForState('inactive');
  });

  await step('the state survives a reload (it is the hypervisor\'s)', async () => {
    await page.reload();
    await page.waitForSelector('main[data-ready="true"]');
    return (await entityState()) === 'inactive';
  });

  await step('a list row starts the compute, and the row shows it active', async () => {
    await open('/compute/');
    await markPage();
    const row = page.locator(`tr[data-location="${computePath}"]`);
    const buttons = await row.locator('.row-actions button').allInnerTexts();
    const answer = page.waitForResponse((r) => r.request().method() === 'POST'
      && r.url().includes('?action=start'));
    await row.getByRole('button', { name: `Start ${computeTitle}` }).click();
    const status = (await answer).status();
    const shown = await secondsUntilShown(
      `tr[data-location="${computePath}"] .state`, 'active');
    const after = await row.locator('.row-actions button').allInnerTexts();
    // The keyboard stays on the row, on its next action.
    await page.waitForFunction((name) => document.activeElement
      && document.activeElement.getAttribute('aria-label') === name, `Stop ${computeTitle}`,
    { timeout: LIVE_LIMIT_MS });
    if (buttons.join(',') !== 'Start' || status !== 200 || shown > LIVE_LIMIT_MS
        || after.join(',') !== 'Stop' || !(await pageKept())) {
      throw new Error(`buttons ${buttons} then ${after}, status ${status}, shown after ${shown} ms`);
    }
  });

  await step('the list follows a state changed elsewhere, without a reload', async () => {
    await changeElsewhere('suspend', 'suspend');
    const shown = await secondsUntilShown(
      `tr[data-location="${computePath}"] .state`, 'suspended');
    if (shown > LIVE_LIMIT_MS || !(await pageKept())) {
      throw new Error(`shown after ${shown} ms, page kept: ${await pageKept()}`);
    }
  });

  await step('back on its page: powered off, inactive', async () => {
    await open(computePath);
    await act('start');
    await waitForState('active');
    const status = await act('stop', 'poweroff');
    return status === 200 && waitForState('inactive');
  });

  await step('delete asks first; dismissed, nothing happens', async () => {
    page.once('dialog', (dialog) => dialog.dismiss());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForTimeout(300);
    return new URL(page.url()).pathname === computePath;
  });

  await step('delete, confirmed: back at the list, and the compute is gone', async () => {
    page.once('dialog', (dialog) => dialog.accept());
    const answer = page.waitForResponse((r) => r.request().method() === 'DELETE');
    await page.getByRole('button', { name: 'Delete' }).click();
    if ((await answer).status() !== 200) throw new Error('DELETE did not answer 200');
    await page.waitForURL((url) => url.pathname.endsWith('/compute/'));
    await page.waitForSelector('main[data-ready="true"]');
    const notice = await page.locator('.notice').innerText();
    const rows = await page.locator(`tr[data-location="${computePath}"]`).count();
    if (rows !== 0 || !notice.includes(`Deleted virtual machine ${computeTitle}`)) {
      throw new Error(`rows ${rows}, notice ${notice}`);
    }
  });

  await step('the deleted compute\'s page shows the server\'s 404', async () => {
    await open(computePath);
    const status = await page.locator('.error-status').innerText();
    return status.includes('404');
  });

  await step('the disk is deleted too', async () => {
    await open(diskPath);
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/storage/'));
    await page.waitForSelector('main[data-ready="true"]');
    return (await page.locator(`tr[data-location="${diskPath}"]`).count()) === 0;
  });

  await step('the network is deleted too', async () => {
    await open(networkPath);
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/network/'));
    await page.waitForSelector('main[data-ready="true"]');
    return (await page.locator(`tr[data-location="${networkPath}"]`).count()) === 0;
  });

  if (basic) {
    const [path, user, password] = basic.split(':');
    await step('opened with the credentials in the address, the console works and '
        + 'says who is signed in', async () => {
      const url = new URL(mount + path);
      url.username = user;
      url.password = password;
      await page.goto(url.href);
      await page.waitForSelector('main[data-ready="true"]');
      const heading = await page.locator('h1').innerText();
      const errors = await page.locator('[role="alert"]').count();
      const who = await page.locator('#who').innerText();
      // Exactly that: the tenant is the user, who is no administrator, and
      // Basic authentication has no sign-out.
      if (heading !== 'Resources' || errors !== 0 || who.trim() !== `Signed in as ${user}`) {
        throw new Error(`heading ${heading}, ${errors} error boxes, who: ${who}`);
      }
    });
  }

  await step('the model page lists the kinds', async () => {
    await open('/-/');
    const text = await page.locator('main').innerText();
    return text.includes('http://schemas.ogf.org/occi/infrastructure#compute');
  });
} catch (error) {
  if (error.message !== 'stopped') report(false, 'the browser run', error.stack);
  exitCode = 1;
}

report(offOrigin.length === 0, 'no request left the server\'s origin', offOrigin.join('\n'));
// The refused creation and the deleted compute's page are logged by
// chromium as failed loads (400, 404), and so is a server that records no
// usage (409 for <mount>/-/usage/): those are expected; anything else (a
// CSP violation, a script error) is not.
const failedLoad = /^Failed to load resource: the server responded with a status of (\d+)/;
const unexpected = consoleErrors.filter(({ text, url }) => {
  const status = (failedLoad.exec(text) || [])[1];
  return !(status === '400' || status === '404' || (status === '409' && url.includes('/-/usage/')));
}).map(({ text, url }) => (url ? `${text} (${url})` : text));
report(unexpected.length === 0, 'the browser console logged no error (CSP, script)',
  unexpected.join('\n'));
report(pageErrors.length === 0, 'no uncaught script error', pageErrors.join('\n'));
await browser.close();
process.stdout.write(JSON.stringify({ done: true, computePath, networkPath, diskPath }) + '\n');
process.exit(exitCode);
