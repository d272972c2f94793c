import type { Clock } from '../ports/clock';
import { analyseAudio } from './audio';
import { typedMessage, typedMessageProblems, voicemailMessage, type TypedMessageInput } from './assemble';
import { PermanentError, reasonOf } from './errors';
import type { ChannelKind, Message } from './model';
import type { MailSender, MediaStore, MessageLog, MessageStore, RecordingSource, Transcriber, WebhookSender } from './ports';
import { emailFor, webhookPayload } from './render';
import { SIGNATURE_HEADER, webhookSignature } from './signature';

export interface MessageServiceDeps {
  store: MessageStore;
  recordings: RecordingSource;
  media: MediaStore;
  transcriber: Transcriber;
  /** null: no SMTP configured; e-mail deliveries fail, visibly, until one is. */
  mail: MailSender | null;
  webhook: WebhookSender;
  clock: Clock;
  newId: () => string;
  log: MessageLog;
  maxAttempts: Record<ChannelKind, number>;
  /** How long a worker may hold a delivery it is sending before another may take it over. */
  deliveryLeaseMs: number;
  /** Where webhook receivers can fetch the audio (`<base>/<sha256>.<ext>`); null: not offered. */
  mediaBaseUrl: string | null;
}

/** A typed message that cannot be accepted; `code` is stable (`bad-request`, `no-such-client`). */
export class MessageRejected extends Error {
  constructor(
    readonly code: 'bad-request' | 'no-such-client',
    readonly problems: string[],
  ) {
    super(`${code}: ${problems.join(', ')}`);
    this.name = 'MessageRejected';
  }
}

/** Another worker is sending this delivery; try again after its lease. */
export class DeliveryBusy extends Error {
  constructor(deliveryId: string) {
    super(`delivery ${deliveryId} is being sent by another worker`);
    this.name = 'DeliveryBusy';
  }
}

export type DeliveryOutcome = 'sent' | 'already-finished' | 'missing';

export interface SavedMessage {
  messageId: string;
  /** false: the same voicemail or requestId was seen before; this is that message. */
  created: boolean;
  pendingDeliveryIds: string[];
}

/**
 * A message typed by a receptionist: saved with its deliveries like a voicemail's, so it takes
 * the same delivery path. The same requestId gives the same message.
 */
export async function saveTypedMessage(
  deps: { store: Pick<MessageStore, 'clientName' | 'saveMessage'>; clock: Clock; newId: () => string; maxAttempts: Record<ChannelKind, number> },
  input: TypedMessageInput,
): Promise<SavedMessage> {
  const problems = typedMessageProblems(input);
  if (problems.length) throw new MessageRejected('bad-request', problems);
  const clientName = await deps.store.clientName(input.clientId);
  if (clientName === null) throw new MessageRejected('no-such-client', ['no-such-client']);
  const message = typedMessage(deps.newId(), input, clientName, deps.clock.now());
  return deps.store.saveMessage(message, { maxAttempts: deps.maxAttempts });
}

/**
 * The worker's use cases, over ports: a voicemail becomes one message; each delivery is claimed,
 * sent, and marked sent, and a delivery marked sent is never sent again.
 */
export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  /**
   * The message for a call's voicemail, made once: a re-run (crash, duplicate job) finds the
   * message and only reports its pending deliveries. null: no such voicemail in the outbox.
   */
  async voicemailToMessage(callId: string): Promise<SavedMessage | null> {
    const { store } = this.deps;
    const pending = await store.pendingVoicemail(callId);
    if (!pending) return null;
    if (pending.messageId) {
      const existing = await store.message(pending.messageId);
      const pendingDeliveryIds = (existing?.deliveries ?? []).filter((d) => d.status === 'pending').map((d) => d.id);
      return { messageId: pending.messageId, created: false, pendingDeliveryIds };
    }
    const { bytes, format } = await this.deps.recordings.fetch(pending.recording);
    const facts = analyseAudio(bytes, format);
    const { sha256 } = await this.deps.media.put(bytes, facts.extension);
    const transcript = await this.transcribe(callId, bytes, facts.contentType, facts.durationMs);
    const message = voicemailMessage(this.deps.newId(), pending, { sha256, bytes: bytes.length, facts }, transcript);
    const saved = await store.saveMessage(message, { maxAttempts: this.deps.maxAttempts, voicemailCallId: callId });
    if (saved.created) this.deps.log.info({ callId, clientId: pending.clientId, messageId: saved.messageId, flags: message.flags }, 'voicemail became a message');
    return saved;
  }

  /** Records why a voicemail could not become a message; the admin view shows it. */
  async voicemailFailed(callId: string, err: unknown): Promise<void> {
    await this.deps.store.failVoicemail(callId, reasonOf(err));
  }

  /**
   * One attempt at one delivery. The claim in PostgreSQL is the guard: a delivery already sent
   * is never sent again, and only one worker holds it at a time. Throws to be retried, or a
   * PermanentError once it has failed for good (the row says `failed`, with the reason).
   */
  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const { store } = this.deps;
    const claim = await store.claimDelivery(deliveryId, this.deps.deliveryLeaseMs);
    if (claim.kind === 'finished') return 'already-finished';
    if (claim.kind === 'missing') return 'missing';
    if (claim.kind === 'busy') throw new DeliveryBusy(deliveryId);
    const { delivery, message, secret } = claim;
    try {
      if (delivery.kind === 'email') await this.sendEmail(delivery.id, delivery.target, message);
      else await this.postWebhook(delivery.id, delivery.attempts, delivery.target, secret, message);
    } catch (err) {
      const final = err instanceof PermanentError || delivery.attempts >= delivery.maxAttempts;
      const reason = reasonOf(err);
      await store.markDeliveryAttemptFailed(delivery.id, reason, final);
      this.deps.log.warn({ deliveryId, messageId: message.id, clientId: message.clientId, channel: delivery.kind, attempt: delivery.attempts, final, err: reason }, 'delivery attempt failed');
      if (final) throw new PermanentError('delivery-failed', `${reason} (attempt ${delivery.attempts} of ${delivery.maxAttempts})`);
      throw err;
    }
    await store.markDeliverySent(delivery.id);
    return 'sent';
  }

  private async sendEmail(deliveryId: string, to: string, message: Message): Promise<void> {
    if (!this.deps.mail) throw new PermanentError('smtp-not-configured', 'no SMTP server configured (SMTP_URL)');
    const { subject, text } = emailFor(message);
    const attachments = message.audio
      ? [{ fileName: `voicemail-${message.id}.${message.audio.fileName.split('.').pop()}`, contentType: message.audio.contentType, content: await this.deps.media.read(message.audio.fileName) }]
      : [];
    await this.deps.mail.send({ to, subject, text, messageId: `<${deliveryId}@switchboard>`, attachments });
  }

  private async postWebhook(deliveryId: string, attempt: number, url: string, secret: string | null, message: Message): Promise<void> {
    if (!secret) throw new PermanentError('webhook-without-secret', 'the webhook channel has no secret');
    const body = JSON.stringify(webhookPayload(message, { id: deliveryId, attempt }, this.deps.mediaBaseUrl));
    const t = Math.floor(this.deps.clock.now() / 1000);
    await this.deps.webhook.post(url, body, {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: webhookSignature(secret, body, t),
      'Idempotency-Key': deliveryId,
      'X-Switchboard-Delivery': deliveryId,
    });
  }

  private async transcribe(callId: string, bytes: Uint8Array, contentType: string, durationMs: number | null): Promise<string | null> {
    try {
      return await this.deps.transcriber.transcribe({ bytes, contentType, durationMs });
    } catch (err) {
      // A transcript is a nicety: the message goes out without one.
      this.deps.log.warn({ callId, err: reasonOf(err) }, 'transcription failed; message sent without transcript');
      return null;
    }
  }
}
