import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAsteriskSimulator, type AsteriskSimulator } from '../../src/simulator';

/** onRequest: the bench's hook for "when did the request that carries an operation out arrive". */
describe('simulator: onRequest hook', () => {
  let sim: AsteriskSimulator;

  beforeAll(async () => {
    sim = await startAsteriskSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('given a listener when ARI requests arrive then it gets each method and path without the query, with an hrtime stamp, until unsubscribed', async () => {
    const seen: Array<[string, string, bigint]> = [];
    const before = process.hrtime.bigint();
    const off = sim.onRequest((method, path, atNs) => seen.push([method, path, atNs]));
    const auth = { authorization: 'Basic ' + Buffer.from('asterisk:asterisk').toString('base64') };
    expect((await fetch(`${sim.url}/ari/asterisk/info`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${sim.url}/ari/channels/nope/moh?mohClass=default&api_key=asterisk:asterisk`, { method: 'POST' })).status).toBe(404);
    off();
    await fetch(`${sim.url}/ari/asterisk/info`, { headers: auth });

    expect(seen.map(([m, p]) => [m, p])).toEqual([
      ['GET', '/ari/asterisk/info'],
      ['POST', '/ari/channels/nope/moh'],
    ]);
    expect(seen[0][2]).toBeGreaterThanOrEqual(before);
    expect(seen[1][2]).toBeGreaterThanOrEqual(seen[0][2]);
  });

  it('given a listener that throws when a request arrives then the request is still served', async () => {
    const off = sim.onRequest(() => {
      throw new Error('boom');
    });
    const res = await fetch(`${sim.url}/ari/asterisk/info?api_key=asterisk:asterisk`);
    off();
    expect(res.status).toBe(200);
  });
});
