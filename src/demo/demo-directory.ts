import type { DirectoryAdmin } from '../ports/directory';

/** A small office for newcomers: three clients and four receptionists. */
export const DEMO_CLIENTS = [
  { id: 'warehouse-unlimited', name: 'Warehouse Unlimited', numbers: ['5035550100'], mohClass: 'default' },
  { id: 'bright-smile-dental', name: 'Bright Smile Dental', numbers: ['5035550101'], mohClass: 'default' },
  { id: 'hale-law', name: 'Hale & Partners Law', numbers: ['5035550102'], mohClass: 'default' },
];
export const DEMO_RECEPTIONISTS = ['sam', 'alex', 'jordan', 'riley'];

/** Writes the demo clients and receptionists into the directory (idempotent). */
export async function seedDemoDirectory(admin: DirectoryAdmin): Promise<{ clients: number; receptionists: number }> {
  for (const c of DEMO_CLIENTS) {
    await admin.upsertClient({
      ...c,
      greeting: `Thank you for calling ${c.name}, this is {receptionist}, how may I help you?`,
      holdPrompt: null,
      announcePosition: false,
      priorityTier: 0,
      maxWaitSeconds: 90,
      overflow: { kind: 'voicemail', mailbox: c.id, greeting: 'sound:vm-intro', maxSeconds: 120 },
    });
  }
  for (const id of DEMO_RECEPTIONISTS) {
    await admin.upsertReceptionist({
      id,
      name: id[0].toUpperCase() + id.slice(1),
      endpoint: `PJSIP/${id}`,
      groupId: 'front-desk',
      wrapUpSeconds: 5,
      ringTimeoutSeconds: 15,
      maxMissedOffers: 2,
    });
  }
  return { clients: DEMO_CLIENTS.length, receptionists: DEMO_RECEPTIONISTS.length };
}
