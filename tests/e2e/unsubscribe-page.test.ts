// The one page a customer sees, in a real Chromium (Debian's, driven by playwright-core): the unsubscribe link of a
// prepared email opens a confirmation page that changes nothing, renders under the API's strict CSP, and its button
// unsubscribes the address at that dealer. Screenshots of both pages go to the test's temporary folder.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run); elsewhere a missing browser is a skip that says so.
if (!available && process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

describe.skipIf(!available)(`the unsubscribe page in Chromium (${available ? CHROMIUM : 'skipped: no /usr/bin/chromium; apt-get install chromium'})`, () => {
  let app: TestApp;
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'tl-e2e-'));

  beforeAll(async () => {
    app = await startTestApp(storeTargets()[0]!);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('asks first, then unsubscribes with one click, with no CSP violation', async () => {
    const opened = await app.post('/api/v2/tracking/generate-guid', riskBody());
    const guid = opened.body.guid as string;
    const prepared = await app.post('/api/v2/channels/email/prepare', { guid, to: 'sam@example.com', html: '<p>Hello</p>' });
    expect(prepared.status).toBe(200);
    // The test app's public URL is http://localhost; the browser reaches the same path on the app's port.
    const link = new URL(/^<(.+)>$/.exec(prepared.body.headers['List-Unsubscribe'] as string)![1]!);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(app.url + link.pathname);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Unsubscribe');
    await page.screenshot({ path: join(shots, 'unsubscribe-ask.png') });
    const before = await app.get(`/api/v2/tracking/journey/${guid}`);
    expect(before.body.events.map((e: { event_type: string }) => e.event_type)).not.toContain('EMAIL_UNSUBSCRIBED');

    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('You are unsubscribed');
    await page.screenshot({ path: join(shots, 'unsubscribe-done.png') });
    expect(problems).toEqual([]);

    const after = await app.get(`/api/v2/tracking/journey/${guid}`);
    expect(after.body.events.map((e: { event_type: string }) => e.event_type)).toEqual(expect.arrayContaining(['EMAIL_UNSUBSCRIBED', 'CONTACT_OPTED_OUT']));
    await app.rt.projections.catchUp();
    expect((await app.get('/api/v2/channels/email/suppressions/sam%40example.com')).body.suppressed).toBe(true);
  });
});
