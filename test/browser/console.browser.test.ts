import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Office } from '../e2e/support/office';
import { haveChromium, launchChromium, pageErrors, signedIn, waitForText } from './browser';

const DID = '5035550100';
const LEE = '+15035559999';
const PASSWORD = 'browser test password 123';

/**
 * The receptionist console in a real headless Chromium, against Switchboard and the PBX (the
 * simulator, or a real Asterisk with ASTERISK_ARI_URL): lab interface and the HTTP API only.
 */
describe.skipIf(!haveChromium)('the console in Chromium', () => {
  let browser: Browser;
  let office: Office;
  let numberPhone: (e164: string) => string;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    office = await Office.open();
    numberPhone = await office.dialTransfersThroughLab({ ANNOUNCED_TRANSFER_RING_SECONDS: 10 });
    await office.seed({
      clients: [
        { id: 'acme', name: 'Acme Plumbing', greeting: 'Thank you for calling Acme Plumbing, this is Sam', numbers: [DID] },
        { id: 'zenith', name: 'Zenith Dental', greeting: 'Zenith Dental', numbers: ['5035550200'] },
      ],
      receptionists: [{ id: 'rx1', wrapUpSeconds: 2 }],
    });
    await office.switchboard.directoryAdmin.upsertContact('acme', { code: '3', name: 'Dr Lee', number: LEE, extension: null, alwaysScreen: true, availability: 'available', note: 'screen first' });
    for (const [email, fields] of [
      ['rx1@example.com', { role: 'receptionist', receptionistId: 'rx1' }],
      ['owner@acme.example', { role: 'client', clientId: 'acme' }],
    ] as const) {
      const created = await office.api('POST', '/api/users', { email, password: PASSWORD, ...fields });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  });

  afterEach(async () => {
    for (const context of browser?.contexts() ?? []) await context.close();
    await office.close();
  });

  /** rx1 signed in on the console, made available by its own button, the phone answering after `answerMs`. */
  async function consoleOfRx1(answerMs: number): Promise<Page> {
    await office.lab.setPhone('rx1', { kind: 'answer', afterMs: answerMs });
    const page = await signedIn(browser, `${office.baseUrl}/console`, 'rx1@example.com', PASSWORD);
    await waitForText(page, '#link', 'live');
    await page.click('#btn-available');
    await waitForText(page, '#my-state', 'available');
    return page;
  }

  it('given rx1 available on the console when a caller dials Acme then the console rings with Acme, its greeting and the caller, and shows the call connected once the phone answers', async () => {
    const page = await consoleOfRx1(1500);
    const call = await office.lab.placeCall({ did: DID, callerName: '<b>Pat</b> Caller', callerNumber: '5035551234' });
    await page.waitForSelector('#call.ringing #call-card', { state: 'visible' });
    expect(await page.textContent('#call-client')).toBe('Acme Plumbing');
    expect(await page.textContent('#call-greeting')).toBe('Thank you for calling Acme Plumbing, this is Sam');
    // Hostile caller-ID text is shown as text.
    expect(await page.textContent('#call-caller')).toBe('<b>Pat</b> Caller');
    expect(await page.locator('#call-caller b').count()).toBe(0);
    expect(await page.textContent('#call-status')).toBe('ringing');
    // A number never heard from before: the notes say so.
    await waitForText(page, '#call-caller-note', 'first call');
    await waitForText(page, '#call-status', 'connected');
    expect((await call.view()).connectedTo).toBe('rx1');
    expect(await page.textContent('#my-state')).toBe('on-call');
    expect(pageErrors(page)).toEqual([]);
  });

  it('given a connected Acme call when rx1 clicks Screened transfer on Dr Lee and Dr Lee accepts then Complete transfer bridges the caller with Dr Lee and frees rx1', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(LEE), { kind: 'answer', afterMs: 300 });
    const page = await consoleOfRx1(100);
    const call = await lab.placeCall({ did: DID, callerName: 'Pat Caller', callerNumber: '5035551234' });
    await waitForText(page, '#call-status', 'connected');
    const row = page.locator('#contacts tr[data-code="3"]');
    expect(await row.textContent()).toContain('Dr Lee');
    expect(await row.textContent()).toContain('screen first');
    await row.locator('button.contact-screened').click();
    // Dr Lee answers the consultation: the console says so; the caller is held apart.
    await waitForText(page, '#call-status', /^consulting/, 10_000);
    await lab.waitFor('Dr Lee on the line', async () => (await lab.phone(numberPhone(LEE))).activeChannelId !== null, 10_000);
    expect((await call.view()).connectedTo).toBeNull();
    await page.click('#btn-complete');
    await lab.waitFor('caller bridged with Dr Lee', async () => (await call.view()).connectedTo === numberPhone(LEE), 10_000);
    await page.waitForSelector('#call-empty', { state: 'visible' });
    expect(await page.textContent('#action-error')).toBe('');
    expect(pageErrors(page)).toEqual([]);
  });

  it('given rx1 on an Acme call when the Acme owner posts a status on the portal from a phone-sized screen then the console shows it, with the instruction, within a second', async () => {
    const rx = await consoleOfRx1(100);
    await office.lab.placeCall({ did: DID, callerName: 'Pat Caller', callerNumber: '5035551234' });
    await waitForText(rx, '#call-status', 'connected');
    expect(await rx.isVisible('#call-client-status')).toBe(false);

    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const portal = await context.newPage();
    const portalErrors: string[] = [];
    portal.on('pageerror', (err) => portalErrors.push(err.message));
    await portal.goto(`${office.baseUrl}/portal`);
    await portal.fill('#email', 'owner@acme.example');
    await portal.fill('#password', PASSWORD);
    await portal.click('#login-form button[type=submit]');
    await portal.waitForSelector('#status-form', { state: 'visible' });
    // Usable on a phone: nothing wider than the screen.
    expect(await portal.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await portal.fill('#status-text', 'Out until 3 pm: sick child <b>cancel</b> afternoon appointments');
    await portal.selectOption('#status-instruction', 'take-message');
    await portal.click('#status-post');
    // From the owner's click to the receptionist's screen.
    await waitForText(rx, '#call-status-text', 'Out until 3 pm: sick child <b>cancel</b> afternoon appointments', 1_000);
    expect(await rx.textContent('#call-status-instruction')).toBe('Take a message.');
    expect(await rx.locator('#call-client-status b').count()).toBe(0);
    await waitForText(portal, '#status-current', /Out until 3 pm/);

    // Cleared on the portal: gone from the console.
    portal.once('dialog', (d) => void d.accept());
    await portal.click('#status-clear');
    await rx.waitForSelector('#call-client-status', { state: 'hidden', timeout: 1_000 });
    expect(pageErrors(rx)).toEqual([]);
    expect(portalErrors).toEqual([]);
  });
});
