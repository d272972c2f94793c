/**
 * Job ids are ours and derived from what the job is about, so adding the same job twice (a sweep
 * racing a crash, two worker processes) is a no-op in the queue. BullMQ refuses ids with `:`
 * (and plain integers), so `:` in a call id is escaped, keeping ids one-to-one.
 */
const escape = (part: string) => part.replace(/%/g, '%25').replace(/:/g, '%3A');

export const voicemailJobId = (callId: string) => `voicemail-${escape(callId)}`;
export const deliveryJobId = (deliveryId: string) => `delivery-${escape(deliveryId)}`;
