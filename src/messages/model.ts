/** Messages for clients: a caller's voicemail or a note typed by a receptionist, and its deliveries. */

export type MessageKind = 'voicemail' | 'typed';

/**
 * Why a message deserves a second look. A flagged message is still delivered: a two-second
 * hang-up or a silent recording tells the client someone called.
 */
export type MessageFlag = 'too-short' | 'silent' | 'audio-unreadable';

export interface MessageAudio {
  sha256: string;
  contentType: string;
  bytes: number;
  /** `<sha256>.<ext>`: the file's name in the media directory and in the e-mail attachment. */
  fileName: string;
}

export interface Message {
  id: string;
  /** One message per source: `call:<callId>` for a voicemail, `typed:<clientId>:<requestId>` for a typed one. */
  sourceKey: string;
  kind: MessageKind;
  clientId: string;
  clientName: string;
  callId: string | null;
  callerName: string;
  callerNumber: string;
  /** The number the caller dialled. */
  dialled: string;
  /** When the message was left (ms since the epoch). */
  receivedAt: number;
  /** Length of the recording; null for typed messages and unreadable audio. */
  durationMs: number | null;
  /** The receptionist's text (typed messages). */
  text: string | null;
  audio: MessageAudio | null;
  transcript: string | null;
  flags: MessageFlag[];
  /** The receptionist who typed it. */
  authorId: string | null;
  /** When the client marked it handled (the portal), and who: a user id or `service`. Absent: not read from the store. */
  handledAt?: number | null;
  handledBy?: string | null;
}

export type ChannelKind = 'email' | 'webhook';

export interface DeliveryChannel {
  id: string;
  clientId: string;
  kind: ChannelKind;
  /** An e-mail address or a webhook URL. */
  target: string;
  enabled: boolean;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface Delivery {
  id: string;
  messageId: string;
  channelId: string;
  kind: ChannelKind;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  sentAt: number | null;
  updatedAt: number;
}
