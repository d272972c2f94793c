import type { AudioFacts } from './audio';
import type { MessageFlag } from './model';

/** Shorter than this, a voicemail is most likely a hang-up after the beep. */
export const MIN_VOICEMAIL_MS = 2000;

/**
 * Speech peaks well above -40 dBFS in any 20 ms window; a phone line's noise floor stays below
 * it. A recording whose loudest window is quieter than this is called silent.
 */
export const SILENCE_DBFS = -40;

/** Flags for a voicemail recording; flagged messages are delivered all the same. */
export function flagRecording(audio: Pick<AudioFacts, 'durationMs' | 'loudestWindowDbfs'>, bytes: number): MessageFlag[] {
  const flags: MessageFlag[] = [];
  if (bytes === 0 || (audio.durationMs !== null && audio.durationMs < MIN_VOICEMAIL_MS)) flags.push('too-short');
  if (bytes === 0 || (audio.loudestWindowDbfs !== null && audio.loudestWindowDbfs < SILENCE_DBFS)) flags.push('silent');
  if (bytes > 0 && audio.durationMs === null) flags.push('audio-unreadable');
  return flags;
}
