import type { VoicemailCall } from './assemble';
import type { ChannelKind, Delivery, DeliveryChannel, DeliveryStatus, Message } from './model';

/** A voicemail waiting in the outbox, with what the call log knows about its call. */
export interface PendingVoicemail extends VoicemailCall {
  /** Set once the message exists (a re-run after a crash finds it). */
  messageId: string | null;
}

export type DeliveryClaim =
  | { kind: 'claimed'; delivery: Delivery; message: Message; secret: string | null }
  /** Sent or failed for good: nothing to do. */
  | { kind: 'finished'; status: 'sent' | 'failed' }
  /** Another worker holds it (its lease has not run out). */
  | { kind: 'busy' }
  | { kind: 'missing' };

/** Messages, their deliveries, the voicemail outbox and the clients' channels (PostgreSQL). */
export interface MessageStore {
  /**
   * Voicemails with no message yet, not handed to the queue within `leaseMs` (or never): marks
   * them handed and returns their call ids. Rows a failed enqueue could not hand are released.
   */
  claimVoicemails(limit: number, leaseMs: number): Promise<string[]>;
  releaseVoicemails(callIds: string[]): Promise<void>;
  pendingVoicemail(callId: string): Promise<PendingVoicemail | null>;
  /** Records why a voicemail could not become a message (visible; the sweep skips it until reset). */
  failVoicemail(callId: string, reason: string): Promise<void>;
  /**
   * In one transaction: the message (once per source key), one delivery per enabled channel of
   * the client (once per message and channel), and the outbox row marked done. Returns the ids
   * of the message's deliveries still pending, to enqueue.
   */
  saveMessage(message: Message, opts: { maxAttempts: Record<ChannelKind, number>; voicemailCallId?: string }): Promise<{ messageId: string; created: boolean; pendingDeliveryIds: string[] }>;
  clientName(clientId: string): Promise<string | null>;

  /** Like claimVoicemails, for pending deliveries whose job may have been lost. */
  claimPendingDeliveries(limit: number, leaseMs: number): Promise<string[]>;
  releasePendingDeliveries(deliveryIds: string[]): Promise<void>;
  /** pending (or sending with a lapsed lease) -> sending, attempts + 1, lease for `leaseMs`. */
  claimDelivery(deliveryId: string, leaseMs: number): Promise<DeliveryClaim>;
  markDeliverySent(deliveryId: string): Promise<void>;
  /** Back to pending with the reason, or failed for good when `final`. */
  markDeliveryAttemptFailed(deliveryId: string, reason: string, final: boolean): Promise<DeliveryStatus>;

  message(id: string): Promise<(Message & { deliveries: Delivery[] }) | null>;
  messages(opts: { clientId?: string; limit: number }): Promise<Message[]>;
  deliveries(opts: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]>;
  failedVoicemails(limit: number): Promise<Array<{ callId: string; reason: string; failedAt: number }>>;
  /** failed -> pending with attempts 0; false when it was not failed. */
  resetDelivery(deliveryId: string): Promise<boolean>;
  resetVoicemail(callId: string): Promise<boolean>;

  upsertChannel(channel: { clientId: string; kind: ChannelKind; target: string; secret?: string | null; enabled?: boolean }): Promise<DeliveryChannel>;
  channels(clientId: string): Promise<DeliveryChannel[]>;
}

/** A channel as the API shows it: whether it has a webhook secret, never the secret. */
export type ChannelView = DeliveryChannel & { hasSecret: boolean };

/** Recordings as Asterisk stores them (ARI `GET /recordings/stored/{name}/file`). */
export interface RecordingSource {
  /** Throws PermanentError when Asterisk has no such recording. */
  fetch(name: string): Promise<{ bytes: Uint8Array; format: string }>;
}

/** Audio kept under its content hash, so a re-run writes the same file. */
export interface MediaStore {
  put(bytes: Uint8Array, extension: string): Promise<{ sha256: string; fileName: string }>;
  read(fileName: string): Promise<Uint8Array>;
}

/** Speech to text. The default writes none; a real one plugs in here. */
export interface Transcriber {
  transcribe(audio: { bytes: Uint8Array; contentType: string; durationMs: number | null }): Promise<string | null>;
}

export const noTranscriber: Transcriber = { transcribe: async () => null };

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** A stable Message-ID per delivery, so a resend after a crash can be recognised. */
  messageId: string;
  attachments: Array<{ fileName: string; contentType: string; content: Uint8Array }>;
}

export interface MailSender {
  /** Throws PermanentError when the server refuses for good (5xx), anything else to retry. */
  send(mail: OutgoingMail): Promise<void>;
}

export interface WebhookSender {
  /** Resolves on 2xx; throws WebhookRejected otherwise. */
  post(url: string, body: string, headers: Record<string, string>): Promise<void>;
}

/** The part of a logger the message service uses (pino's Logger fits). */
export interface MessageLog {
  warn(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
}
