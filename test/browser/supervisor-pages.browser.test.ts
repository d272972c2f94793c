import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Office } from '../e2e/support/office';
import { haveChromium, launchChromium, pageErrors, signedIn, waitForText } from './browser';

const DID = '5035550100';
const PASSWORD = 'browser test password 123';

/** `YYYY-MM-DDTHH:MM` in the browser's (and this process's) local time, for datetime-local inputs. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The wallboard and the admin page in Chromium, against Switchboard and the PBX (simulator or real Asterisk). */
describe.skipIf(!haveChromium)('the wallboard and the admin page in Chromium', () => {
  let browser: Browser;
  let office: Office;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    office = await Office.open();
    await office.seed({ clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: [DID] }], receptionists: [{ id: 'rx1' }] });
    for (const [email, fields] of [
      ['boss@example.com', { role: 'admin' }],
      ['sup@example.com', { role: 'supervisor' }],
      ['rx1@example.com', { role: 'receptionist', receptionistId: 'rx1' }],
    ] as const) {
      const created = await office.api('POST', '/api/users', { email, password: PASSWORD, ...fields });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  });
  afterEach(async () => {
    for (const context of browser?.contexts() ?? []) await context.close();
    await office.close();
  });

  it('given a caller waiting with rx1 paused when a supervisor opens the wallboard then it shows one waiting, the caller, and rx1 paused; when the caller is answered the count goes back to 0', async () => {
    await office.lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    await office.setPresence('rx1', 'paused', 'lunch');
    const call = await office.lab.placeCall({ did: DID, callerName: '<i>Pat</i>', callerNumber: '5035551234' });
    await call.ready();
    const board = await signedIn(browser, `${office.baseUrl}/wallboard`, 'sup@example.com', PASSWORD);
    await waitForText(board, '#waiting', '1');
    await waitForText(board, '#queue', /Acme Plumbing/);
    expect(await board.textContent('#queue')).toContain('<i>Pat</i>');
    expect(await board.locator('#queue i').count()).toBe(0);
    await waitForText(board, '#people', /lunch/);
    await waitForText(board, '#arrived', '1');
    await office.setPresence('rx1', 'available');
    await waitForText(board, '#waiting', '0', 5_000);
    await waitForText(board, '#answered', '1', 10_000);
    expect(pageErrors(board)).toEqual([]);
  });

  it('given rx1 on the console when an admin publishes a warning to receptionists on the admin page then the console shows the banner, and it goes when withdrawn', async () => {
    const rx = await signedIn(browser, `${office.baseUrl}/console`, 'rx1@example.com', PASSWORD);
    await waitForText(rx, '#link', 'live');
    expect(await rx.isVisible('#announcements')).toBe(false);

    const admin = await signedIn(browser, `${office.baseUrl}/admin`, 'boss@example.com', PASSWORD);
    admin.on('dialog', (d) => void d.accept());
    const now = Date.now();
    await admin.fill('#ann-text', 'Trunk degraded: use the <b>backup</b> line');
    await admin.selectOption('#ann-level', 'warning');
    await admin.selectOption('#ann-audience', 'receptionists');
    await admin.fill('#ann-start', localInput(now - 60_000));
    await admin.fill('#ann-end', localInput(now + 3_600_000));
    await admin.click('#publish-form button[type=submit]');
    await waitForText(admin, '#ann-rows', /Trunk degraded/);

    await waitForText(rx, '#announcements', /Trunk degraded: use the <b>backup<\/b> line/, 2_000);
    expect(await rx.locator('#announcements .announcement.warning').count()).toBe(1);
    expect(await rx.locator('#announcements b').count()).toBe(0);

    await admin.locator('#ann-rows button', { hasText: 'Withdraw' }).first().click();
    await rx.waitForSelector('#announcements', { state: 'hidden', timeout: 2_000 });
    expect(pageErrors(rx)).toEqual([]);
    expect(pageErrors(admin)).toEqual([]);
  });
});
