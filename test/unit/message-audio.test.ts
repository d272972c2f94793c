import { describe, expect, it } from 'vitest';
import { analyseAudio } from '../../src/messages/audio';
import { flagRecording } from '../../src/messages/flags';
import { wav } from '../workers/support/audio';

const flagsOf = (bytes: Uint8Array, format = 'wav') => flagRecording(analyseAudio(bytes, format), bytes.length);

describe('recording analysis and flags', () => {
  it('given a 5 s spoken recording then its length is read and it is not flagged', () => {
    const audio = wav({ ms: 5000, amplitude: 8000 });
    expect(analyseAudio(audio, 'wav')).toMatchObject({ extension: 'wav', contentType: 'audio/wav', durationMs: 5000 });
    expect(flagsOf(audio)).toEqual([]);
  });

  it('given a recording under 2 s then it is flagged too-short', () => {
    expect(flagsOf(wav({ ms: 1500, amplitude: 8000 }))).toEqual(['too-short']);
  });

  it('given digital silence or line noise only then it is flagged silent', () => {
    expect(flagsOf(wav({ ms: 5000, amplitude: 0 }))).toEqual(['silent']);
    expect(flagsOf(wav({ ms: 5000, amplitude: 150 }))).toEqual(['silent']); // about -47 dBFS
  });

  it('given speech only in a short burst then it is not silent', () => {
    expect(flagsOf(wav({ ms: 5000, amplitude: 0, burst: { atMs: 2000, ms: 100, amplitude: 6000 } }))).toEqual([]);
  });

  it('given a 16 kHz wav (Asterisk wav16) then the length is right', () => {
    expect(analyseAudio(wav({ ms: 3000, amplitude: 5000, rate: 16000 }), 'wav16').durationMs).toBe(3000);
  });

  it('given raw ulaw then length and loudness are read from the codec', () => {
    const silence = new Uint8Array(8000 * 3).fill(0xff); // ulaw 0xff is zero
    expect(analyseAudio(silence, 'ulaw')).toMatchObject({ durationMs: 3000, loudestWindowDbfs: -Infinity });
    const loud = new Uint8Array(8000 * 3).map((_, i) => (i % 2 ? 0x80 : 0x00)); // full-scale square wave
    expect(analyseAudio(loud, 'ulaw').loudestWindowDbfs!).toBeGreaterThan(-3);
  });

  it('given an empty file then it is flagged short and silent, not dropped', () => {
    expect(flagsOf(new Uint8Array(0))).toEqual(['too-short', 'silent']);
  });

  it('given a format we cannot read then it is flagged unreadable and kept as stored', () => {
    expect(analyseAudio(new Uint8Array(100), 'opus')).toMatchObject({ extension: 'opus', durationMs: null });
    expect(flagsOf(new Uint8Array(100), 'opus')).toEqual(['audio-unreadable']);
  });

  it('given a wav whose header sizes were never fixed up then the data present is used', () => {
    const audio = wav({ ms: 4000, amplitude: 8000 });
    new DataView(audio.buffer).setUint32(40, 0, true);
    expect(analyseAudio(audio, 'wav').durationMs).toBe(4000);
  });
});
