import type { Message, MessageFlag } from './model';

const FLAG_TEXT: Record<MessageFlag, string> = {
  'too-short': 'The recording is shorter than 2 seconds: the caller may have hung up.',
  silent: 'The recording seems silent.',
  'audio-unreadable': 'The recording could not be analysed; it is attached as stored.',
};

function caller(message: Message): string {
  const name = message.callerName.trim();
  const number = message.callerNumber.trim();
  if (name && number) return `${name} (${number})`;
  return name || number || 'an unknown caller';
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Subject and plain-text body of the e-mail for a message; the audio goes as an attachment. */
export function emailFor(message: Message): { subject: string; text: string } {
  const what = message.kind === 'voicemail' ? 'Voicemail' : 'Message';
  const lines = [
    `${what} for ${message.clientName} from ${caller(message)}`,
    '',
    `Caller: ${message.callerName || '(no name)'}`,
    `Number: ${message.callerNumber || '(withheld)'}`,
    `Number dialled: ${message.dialled || '(none)'}`,
    `Received: ${new Date(message.receivedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
  ];
  if (message.durationMs !== null) lines.push(`Length: ${seconds(message.durationMs)}`);
  if (message.text) lines.push('', message.text);
  if (message.transcript) lines.push('', 'Transcript:', message.transcript);
  if (message.audio) lines.push('', 'The recording is attached.');
  for (const flag of message.flags) lines.push(`Note: ${FLAG_TEXT[flag]}`);
  lines.push('', `Message id: ${message.id}`);
  return { subject: `${what} for ${message.clientName} from ${caller(message)}`, text: lines.join('\n') + '\n' };
}

/** The JSON a webhook receives. `id` is the delivery id: the same on every retry, for dedupe. */
export interface WebhookPayload {
  id: string;
  type: 'message.created';
  attempt: number;
  message: {
    id: string;
    kind: Message['kind'];
    clientId: string;
    callId: string | null;
    caller: { name: string; number: string };
    dialled: string;
    receivedAt: string;
    durationMs: number | null;
    text: string | null;
    transcript: string | null;
    flags: MessageFlag[];
    audio: { sha256: string; contentType: string; bytes: number; url: string | null } | null;
  };
}

export function webhookPayload(message: Message, delivery: { id: string; attempt: number }, mediaBaseUrl: string | null): WebhookPayload {
  return {
    id: delivery.id,
    type: 'message.created',
    attempt: delivery.attempt,
    message: {
      id: message.id,
      kind: message.kind,
      clientId: message.clientId,
      callId: message.callId,
      caller: { name: message.callerName, number: message.callerNumber },
      dialled: message.dialled,
      receivedAt: new Date(message.receivedAt).toISOString(),
      durationMs: message.durationMs,
      text: message.text,
      transcript: message.transcript,
      flags: message.flags,
      audio: message.audio
        ? {
            sha256: message.audio.sha256,
            contentType: message.audio.contentType,
            bytes: message.audio.bytes,
            url: mediaBaseUrl ? `${mediaBaseUrl.replace(/\/+$/, '')}/${message.audio.fileName}` : null,
          }
        : null,
    },
  };
}
