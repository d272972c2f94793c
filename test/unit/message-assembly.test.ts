import { describe, expect, it } from 'vitest';
import { typedMessage, typedMessageProblems, voicemailMessage, type VoicemailCall } from '../../src/messages/assemble';
import { analyseAudio } from '../../src/messages/audio';
import { deliveryJobId, voicemailJobId } from '../../src/messages/job-ids';
import { emailFor, webhookPayload } from '../../src/messages/render';
import { wav } from '../workers/support/audio';

const call: VoicemailCall = {
  callId: 'pbx1-1764000000.42',
  recording: 'vm-pbx1-1764000000.42',
  clientId: 'acme',
  clientName: 'Acme Plumbing',
  callerName: 'Jane Caller',
  callerNumber: '+15035551234',
  dialled: '5035550100',
  recordedAt: Date.UTC(2026, 0, 5, 14, 30, 0),
};
const audio = wav({ ms: 1200, amplitude: 0 });

describe('message assembly', () => {
  it('given a voicemail then the message carries the client, caller, number dialled, time, length, audio and flags', () => {
    const m = voicemailMessage('m-1', call, { sha256: 'a'.repeat(64), bytes: audio.length, facts: analyseAudio(audio, 'wav') }, null);
    expect(m).toMatchObject({
      id: 'm-1',
      sourceKey: 'call:pbx1-1764000000.42',
      kind: 'voicemail',
      clientId: 'acme',
      clientName: 'Acme Plumbing',
      callerName: 'Jane Caller',
      callerNumber: '+15035551234',
      dialled: '5035550100',
      receivedAt: call.recordedAt,
      durationMs: 1200,
      audio: { sha256: 'a'.repeat(64), fileName: `${'a'.repeat(64)}.wav`, contentType: 'audio/wav', bytes: audio.length },
      transcript: null,
      flags: ['too-short', 'silent'],
    });
  });

  it('given a typed message with a request id then its source key makes a retried submit the same message', () => {
    const input = { clientId: 'acme', callerName: ' Bob ', callerNumber: '5035559999', text: ' Please call back ', requestId: 'console-7' };
    expect(typedMessageProblems(input)).toEqual([]);
    const m = typedMessage('m-2', input, 'Acme Plumbing', 1000);
    expect(m).toMatchObject({ sourceKey: 'typed:acme:console-7', kind: 'typed', callerName: 'Bob', text: 'Please call back', audio: null, flags: [] });
  });

  it('given a typed message with no text or a bad client id then it is refused with stable codes', () => {
    expect(typedMessageProblems({ clientId: 'a b', callerName: '', callerNumber: '', text: '  ' })).toEqual(['bad-client-id', 'empty-text']);
  });

  it('given a flagged voicemail then the e-mail names the client and caller and explains the flags', () => {
    const m = voicemailMessage('m-1', call, { sha256: 'a'.repeat(64), bytes: audio.length, facts: analyseAudio(audio, 'wav') }, 'hello');
    const mail = emailFor(m);
    expect(mail.subject).toBe('Voicemail for Acme Plumbing from Jane Caller (+15035551234)');
    expect(mail.text).toContain('Number dialled: 5035550100');
    expect(mail.text).toContain('Received: 2026-01-05 14:30:00 UTC');
    expect(mail.text).toContain('Length: 1.2 s');
    expect(mail.text).toContain('Transcript:\nhello');
    expect(mail.text).toContain('shorter than 2 seconds');
    expect(mail.text).toContain('seems silent');
  });

  it('given a webhook payload then its id is the delivery id and the audio url is offered only with a media base url', () => {
    const m = voicemailMessage('m-1', call, { sha256: 'a'.repeat(64), bytes: audio.length, facts: analyseAudio(audio, 'wav') }, null);
    expect(webhookPayload(m, { id: 'd-1', attempt: 2 }, null)).toMatchObject({ id: 'd-1', type: 'message.created', attempt: 2, message: { id: 'm-1', audio: { url: null } } });
    expect(webhookPayload(m, { id: 'd-1', attempt: 1 }, 'https://media.example/').message.audio!.url).toBe(`https://media.example/${'a'.repeat(64)}.wav`);
  });

  it('given ids with colons then job ids stay one-to-one and free of ":" (BullMQ refuses it)', () => {
    expect(voicemailJobId('a:b')).toBe('voicemail-a%3Ab');
    expect(voicemailJobId('a%3Ab')).toBe('voicemail-a%253Ab');
    expect(deliveryJobId('0b0e')).toBe('delivery-0b0e');
  });
});
