import type { AudioFacts } from './audio';
import { flagRecording } from './flags';
import type { Message, MessageAudio } from './model';

/** What the call log knows about a call that left a voicemail. */
export interface VoicemailCall {
  callId: string;
  recording: string;
  clientId: string;
  clientName: string;
  callerName: string;
  callerNumber: string;
  dialled: string;
  /** When the recording finished (the `voicemail-recorded` timeline entry). */
  recordedAt: number;
}

export const voicemailSourceKey = (callId: string) => `call:${callId}`;
export const typedSourceKey = (clientId: string, requestId: string) => `typed:${clientId}:${requestId}`;

export function voicemailMessage(
  id: string,
  call: VoicemailCall,
  audio: { sha256: string; bytes: number; facts: AudioFacts },
  transcript: string | null,
): Message {
  const stored: MessageAudio = {
    sha256: audio.sha256,
    contentType: audio.facts.contentType,
    bytes: audio.bytes,
    fileName: `${audio.sha256}.${audio.facts.extension}`,
  };
  return {
    id,
    sourceKey: voicemailSourceKey(call.callId),
    kind: 'voicemail',
    clientId: call.clientId,
    clientName: call.clientName,
    callId: call.callId,
    callerName: call.callerName,
    callerNumber: call.callerNumber,
    dialled: call.dialled,
    receivedAt: call.recordedAt,
    durationMs: audio.facts.durationMs,
    text: null,
    audio: stored,
    transcript,
    flags: flagRecording(audio.facts, audio.bytes),
    authorId: null,
  };
}

/** A message a receptionist typed for a client (from the console, during or after a call). */
export interface TypedMessageInput {
  clientId: string;
  /** The client's caller: who the message is from. */
  callerName: string;
  callerNumber: string;
  text: string;
  /** The call it was taken on, if any. */
  callId?: string;
  dialled?: string;
  /** The receptionist who typed it. */
  authorId?: string;
  /**
   * Chosen by the submitter (e.g. the console) so a retried submit does not make a second
   * message. Without one, every submit is a new message.
   */
  requestId?: string;
}

export const TYPED_TEXT_MAX = 10_000;

/** Stable error codes for a typed message that cannot be accepted. */
export function typedMessageProblems(input: TypedMessageInput): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.clientId)) problems.push('bad-client-id');
  if (!input.text || !input.text.trim()) problems.push('empty-text');
  if (input.text && input.text.length > TYPED_TEXT_MAX) problems.push('text-too-long');
  if (input.callerName.length > 200 || input.callerNumber.length > 40) problems.push('caller-too-long');
  if (input.requestId !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(input.requestId)) problems.push('bad-request-id');
  return problems;
}

export function typedMessage(id: string, input: TypedMessageInput, clientName: string, receivedAt: number): Message {
  return {
    id,
    sourceKey: typedSourceKey(input.clientId, input.requestId ?? id),
    kind: 'typed',
    clientId: input.clientId,
    clientName,
    callId: input.callId ?? null,
    callerName: input.callerName.trim(),
    callerNumber: input.callerNumber.trim(),
    dialled: input.dialled ?? '',
    receivedAt,
    durationMs: null,
    text: input.text.trim(),
    audio: null,
    transcript: null,
    flags: [],
    authorId: input.authorId ?? null,
  };
}
