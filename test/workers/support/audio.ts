/** A 16-bit mono PCM WAV: a 440 Hz tone at `amplitude` (0 = digital silence), with an optional louder burst. */
export function wav(o: { ms: number; amplitude: number; rate?: number; burst?: { atMs: number; ms: number; amplitude: number } }): Uint8Array {
  const rate = o.rate ?? 8000;
  const samples = Math.round((o.ms / 1000) * rate);
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples * 2, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    const t = (i / rate) * 1000;
    const inBurst = o.burst && t >= o.burst.atMs && t < o.burst.atMs + o.burst.ms;
    const amplitude = inBurst ? o.burst!.amplitude : o.amplitude;
    view.setInt16(44 + i * 2, Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate)), true);
  }
  return bytes;
}
