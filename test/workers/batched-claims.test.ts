import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { typedMessage } from '../../src/messages/assemble';
import { TestDatabase } from './support/harness';

describe('batched delivery claims and marks', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', [{ kind: 'webhook', target: 'https://acme.example/hook', secret: 'whsec_0123456789abcdef' }]);
  });

  afterAll(async () => {
    await db?.close();
  });

  async function deliveries(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const m = typedMessage(randomUUID(), { clientId: 'acme', callerName: 'x', callerNumber: '1', text: `m${i}` }, 'Acme', Date.now());
      ids.push(...(await db.messages.saveMessage(m, { maxAttempts: { email: 3, webhook: 3 } })).pendingDeliveryIds);
    }
    return ids;
  }

  it('given the same delivery claimed twice at once then only one claim holds it; the other is told it is busy', async () => {
    const [id] = await deliveries(1);
    const claims = await Promise.all([db.messages.claimDelivery(id, 60_000), db.messages.claimDelivery(id, 60_000), db.messages.claimDelivery(id, 60_000)]);
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(2);
  });

  it('given many deliveries claimed and marked at once then each is claimed once and ends sent; unknown ids are missing', async () => {
    const ids = await deliveries(30);
    const claims = await Promise.all([...ids.map((id) => db.messages.claimDelivery(id, 60_000)), db.messages.claimDelivery(randomUUID(), 60_000), db.messages.claimDelivery('not-a-uuid', 60_000)]);
    expect(claims.slice(0, 30).every((c) => c.kind === 'claimed')).toBe(true);
    expect(claims.slice(30).map((c) => c.kind)).toEqual(['missing', 'missing']);
    const claimed = claims[0];
    expect(claimed.kind === 'claimed' && claimed.secret).toBe('whsec_0123456789abcdef');
    await Promise.all(ids.map((id) => db.messages.markDeliverySent(id)));
    expect(await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent' AND id = ANY($1::uuid[])", [ids])).toBe(30);
    const again = await Promise.all(ids.slice(0, 3).map((id) => db.messages.claimDelivery(id, 60_000)));
    expect(again).toEqual([{ kind: 'finished', status: 'sent' }, { kind: 'finished', status: 'sent' }, { kind: 'finished', status: 'sent' }]);
  });
});
