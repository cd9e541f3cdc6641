/* SPDX-License-Identifier: Apache-2.0 */
// The web console behind OpenID Connect sign-on, in a headless chromium:
// opening a console page sends the browser to the provider and back
// (mod_auth_openidc, AuthType openid-connect), and then the console's own
// requests, same-origin, carry the session cookie: the signed-in user's
// compute is listed. Run by t/libvirt/console_sso.t, which checks what this
// prints: one JSON object per line, {"ok": bool, "name": "...", "diag":
// "..."}, then {"done": true}.
//
// Usage: node sso.mjs URL TITLE PROVIDER_ORIGIN [CHROMIUM]
//   URL              a console page below the signed-on mount
//   TITLE            the title of a compute the user owns
//   PROVIDER_ORIGIN  the provider's origin, e.g. http://127.0.0.1:8600
import { chromium } from 'playwright-core';

const [url, title, provider, executable = '/usr/bin/chromium'] = process.argv.slice(2);
if (!url || !title || !provider) {
  console.error('usage: node sso.mjs URL TITLE PROVIDER_ORIGIN [CHROMIUM]');
  process.exit(2);
}
const origin = new URL(url).origin;

function report(ok, name, diag) {
  process.stdout.write(JSON.stringify({ ok: !!ok, name, ...(diag ? { diag: String(diag) } : {}) })
    + '\n');
}

const browser = await chromium.launch({ executablePath: executable });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const visitedProvider = [];
  const apiAnswers = [];
  const failed = [];
  const consoleErrors = [];
  page.on('request', (request) => {
    if (request.url().startsWith(provider)) {
      visitedProvider.push(new URL(request.url()).pathname);
    }
  });
  page.on('response', (response) => {
    const request = response.request();
    if (response.url().startsWith(origin) && request.resourceType() === 'fetch') {
      apiAnswers.push(`${request.method()} ${new URL(response.url()).pathname} ${response.status()}`);
    }
  });
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      consoleErrors.push(message.text());
    }
  });

  const response = await page.goto(url);
  report(visitedProvider.includes('/authorize'), 'the browser was sent to the provider to sign on',
    visitedProvider.join(', '));
  report(page.url() === url && response && response.status() === 200,
    'and came back to the console page it asked for', `${page.url()} ${response && response.status()}`);
  let shown = true;
  try {
    await page.getByText(title).first().waitFor({ timeout: 15000 });
  } catch (error) {
    shown = false;
  }
  report(shown, "the console lists the signed-on user's compute",
    shown ? '' : (await page.locator('body').innerText()).slice(0, 600));
  report(apiAnswers.length > 0 && apiAnswers.every((line) => / 2\d\d$/.test(line)),
    "the console's own requests were answered with the session", apiAnswers.join('; '));
  const cookies = await context.cookies(origin);
  report(cookies.some((cookie) => cookie.name.startsWith('mod_auth_openidc_session')),
    'the session is a cookie of the server', cookies.map((cookie) => cookie.name).join(', '));
  report(failed.length === 0 && consoleErrors.length === 0, 'no failed request, no error',
    [...failed, ...consoleErrors].join('; '));

  // Signing out (OCCIConsoleSignOut): the session ends, and the console
  // asks for a new sign-on.
  const signOut = page.locator('#who a#sign-out');
  const href = await signOut.getAttribute('href').catch(() => null);
  await signOut.click();
  await page.waitForURL(`${origin}/`, { timeout: 15000 }).catch(() => {});
  const left = (await context.cookies(origin))
    .filter((cookie) => cookie.name.startsWith('mod_auth_openidc_session') && cookie.value);
  report(href === '/console-sso/redirect_uri?logout=%2F' && new URL(page.url()).pathname === '/'
    && left.length === 0, "'Sign out' ends the session and goes where the operator said",
    `${href} ${page.url()} ${left.map((cookie) => cookie.name).join(', ')}`);
  const before = visitedProvider.filter((path) => path === '/authorize').length;
  await page.goto(url);
  report(visitedProvider.filter((path) => path === '/authorize').length === before + 1
    && page.url() === url, 'the console then asks the provider again',
    visitedProvider.join(', '));
} catch (error) {
  report(false, 'the run finished', error && error.stack || error);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ done: true }) + '\n');
