import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Office } from '../e2e/support/office';
import { environment, runAsAsterisk } from './raw-agi-client';

/** The FastAGI server as Switchboard runs it: started with the app, on the app's own directory. */
describe('FastAGI in the running Switchboard', () => {
  let office: Office;

  beforeAll(async () => {
    office = await Office.open();
    await office.seed({ clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: ['5035550100'] }] });
  });

  afterAll(async () => {
    await office.close();
  });

  it('given a client added through the directory when the dialplan asks client-lookup for its number then it gets the same client the queue uses', async () => {
    const port = office.switchboard.fastAgiPort;
    expect(port).toBeGreaterThan(0);
    const known = await runAsAsterisk(port!, environment('client-lookup', { agi_extension: '5035550100' }));
    expect(known.variables).toMatchObject({ SB_CLIENT_ID: 'acme', SB_CLIENT_NAME: 'Acme Plumbing', SB_STATUS: 'ok' });
    expect(known.closedByServer).toBe(true);
    const unknown = await runAsAsterisk(port!, environment('client-lookup', { agi_extension: '5039999999' }));
    expect(unknown.variables).toMatchObject({ SB_CLIENT_ID: '', SB_STATUS: 'unknown-number' });
  });
});
