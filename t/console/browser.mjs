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
import { chromium } from 'playwright-core';
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
const osTemplate = process.env.OCCI_CONSOLE_OS_TEMPLATE || 'Debian 12 (bookworm)';
const networkUp = process.env.OCCI_CONSOLE_NETWORK_UP === '1';
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
  if (message.type() === 'error') consoleErrors.push(message.text());
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

let computePath;
let networkPath;
let exitCode = 0;
try {
  await step('the console opens at the root, with a heading and the kinds', async () => {
    const response = await page.goto(mount + '/');
    await page.waitForSelector('main[data-ready="true"]');
    const type = response.headers()['content-type'];
    const heading = await page.locator('h1').innerText();
    const sections = await page.locator('section.kind h2').allInnerTexts();
    if (!type.startsWith('text/html') || heading !== 'Resources'
        || !['Compute', 'Storage', 'Network'].every((k) => sections.some((s) => s.includes(k)))) {
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
    await page.screenshot({ path: join(shots, 'console-create.png'), fullPage: true });
  });

  await step('a value the server refuses shows the server\'s own message', async () => {
    await page.getByLabel('Cores', { exact: true }).fill('5000');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create compute' }).click();
    const response = await answer;
    const body = await response.json();
    const shown = page.locator('form.create [role="alert"] .error-message');
    await shown.waitFor();
    const text = await shown.innerText();
    const status = await page.locator('form.create [role="alert"] .error-status').innerText();
    if (response.status() !== 400 || text !== body.message || !status.includes('400')) {
      throw new Error(`status ${response.status()}, server said ${JSON.stringify(body)}, `
        + `page shows ${JSON.stringify(status)} ${JSON.stringify(text)}`);
    }
  });

  await step('creating it, once corrected, leads to the new compute, inactive', async () => {
    await page.locator('form.create [role="alert"]').screenshot(
      { path: join(shots, 'console-error.png') });
    await page.getByLabel('Cores', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Create compute' }).click();
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

  await step('the root lists it under Compute, the network under Network', async () => {
    await open('/');
    const compute = page.locator('section.kind', { hasText: 'Compute' })
      .locator(`tr[data-location="${computePath}"]`);
    const network = page.locator('section.kind', { hasText: 'Network' })
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
    const links = await page.locator('table.links').innerText();
    const actions = await page.locator('form.action').evaluateAll(
      (forms) => forms.map((f) => f.dataset.action));
    if (!attributes.includes('browser.example.com') || !mixins.includes(osTemplate)
        || !links.includes(networkPath) || actions.join(',') !== 'start') {
      throw new Error(`attributes ${attributes}\nmixins ${mixins}\nlinks ${links}\n`
        + `actions ${actions}`);
    }
  });

  await step('start: the state becomes active', async () => {
    const status = await act('start');
    return status === 200 && waitForState('active');
  });

  await step('the compute page, active', async () => {
    await page.screenshot({ path: join(shots, 'console-resource.png'), fullPage: true });
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
    if (rows !== 0 || !notice.includes(`Deleted compute ${computeTitle}`)) {
      throw new Error(`rows ${rows}, notice ${notice}`);
    }
  });

  await step('the deleted compute\'s page shows the server\'s 404', async () => {
    await open(computePath);
    const status = await page.locator('.error-status').innerText();
    return status.includes('404');
  });

  await step('the network is deleted too', async () => {
    await open(networkPath);
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/network/'));
    await page.waitForSelector('main[data-ready="true"]');
    return (await page.locator(`tr[data-location="${networkPath}"]`).count()) === 0;
  });

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
// chromium as failed loads (400, 404): those are expected; anything else
// (a CSP violation, a script error) is not.
const unexpected = consoleErrors.filter(
  (text) => !/^Failed to load resource: the server responded with a status of 40[04]/.test(text));
report(unexpected.length === 0, 'the browser console logged no error (CSP, script)',
  unexpected.join('\n'));
report(pageErrors.length === 0, 'no uncaught script error', pageErrors.join('\n'));
await browser.close();
process.stdout.write(JSON.stringify({ done: true, computePath, networkPath }) + '\n');
process.exit(exitCode);
