/**
 * What can be read from a recording without decoding codecs we do not carry: its length and
 * how loud its loudest 20 ms are. Asterisk stores voicemail as `wav` (16-bit PCM, 8 kHz) or
 * `wav16` by default; raw `sln`, `ulaw` and `alaw` are read too. Anything else (gsm, g722, …)
 * gets a length from its bitrate where one is fixed, and no loudness.
 */

export interface AudioFacts {
  /** A file extension for the media directory and attachments. */
  extension: string;
  contentType: string;
  durationMs: number | null;
  /** RMS of the loudest 20 ms window, in dBFS (0 = full scale); null when not measurable. */
  loudestWindowDbfs: number | null;
}

type Encoding = 'pcm16' | 'ulaw' | 'alaw';

interface Pcm {
  encoding: Encoding;
  sampleRate: number;
  channels: number;
  data: Uint8Array;
}

/** Bytes per second of raw formats with a fixed bitrate. */
const RAW_FORMATS: Record<string, { contentType: string; bytesPerSecond: number; pcm?: Omit<Pcm, 'data'> }> = {
  sln: { contentType: 'audio/L16;rate=8000', bytesPerSecond: 16000, pcm: { encoding: 'pcm16', sampleRate: 8000, channels: 1 } },
  sln16: { contentType: 'audio/L16;rate=16000', bytesPerSecond: 32000, pcm: { encoding: 'pcm16', sampleRate: 16000, channels: 1 } },
  ulaw: { contentType: 'audio/basic', bytesPerSecond: 8000, pcm: { encoding: 'ulaw', sampleRate: 8000, channels: 1 } },
  alaw: { contentType: 'audio/x-alaw-basic', bytesPerSecond: 8000, pcm: { encoding: 'alaw', sampleRate: 8000, channels: 1 } },
  gsm: { contentType: 'audio/x-gsm', bytesPerSecond: 1650 },
  g722: { contentType: 'audio/G722', bytesPerSecond: 8000 },
};

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';
}

/** The `fmt ` and `data` chunks of a RIFF/WAVE file, or null when it is not one we can read. */
function readWav(bytes: Uint8Array): Pcm | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let fmt: Omit<Pcm, 'data'> | null = null;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at, 4);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      const encoding: Encoding | null = format === 1 && bits === 16 ? 'pcm16' : format === 7 ? 'ulaw' : format === 6 ? 'alaw' : null;
      if (!encoding || channels < 1 || sampleRate < 1) return null;
      fmt = { encoding, sampleRate, channels };
    } else if (id === 'data' && fmt) {
      // A writer that was cut short leaves the size at 0 or too large: take what is there.
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      return { ...fmt, data: bytes.subarray(body, end) };
    }
    at = body + size + (size % 2);
  }
  return null;
}

function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const exponent = (v >> 4) & 7;
  const magnitude = ((((v & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return v & 0x80 ? -magnitude : magnitude;
}

function alawToLinear(a: number): number {
  const v = a ^ 0x55;
  const exponent = (v >> 4) & 7;
  const mantissa = v & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return v & 0x80 ? magnitude : -magnitude;
}

const ULAW = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));
const ALAW = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

/** The first channel's i-th sample as a signed 16-bit value. */
function sampleReader(pcm: Pcm, step: number): (i: number) => number {
  if (pcm.encoding === 'ulaw') return (i) => ULAW[pcm.data[i * step]];
  if (pcm.encoding === 'alaw') return (i) => ALAW[pcm.data[i * step]];
  const d = pcm.data;
  return (i) => {
    const at = i * step;
    const v = d[at] | (d[at + 1] << 8);
    return v & 0x8000 ? v - 0x10000 : v;
  };
}

const bytesPerSample = (e: Encoding) => (e === 'pcm16' ? 2 : 1);

function durationOf(pcm: Pcm): number {
  return Math.round((pcm.data.length / (bytesPerSample(pcm.encoding) * pcm.channels * pcm.sampleRate)) * 1000);
}

/** RMS of the loudest 20 ms window (first channel), in dBFS; -Infinity for digital silence. */
export function loudestWindowDbfs(pcm: Pcm): number | null {
  const step = bytesPerSample(pcm.encoding) * pcm.channels;
  const frames = Math.floor(pcm.data.length / step);
  if (frames === 0) return null;
  const window = Math.max(1, Math.round(pcm.sampleRate / 50));
  const sample = sampleReader(pcm, step);
  let loudest = 0;
  for (let start = 0; start < frames; start += window) {
    const end = Math.min(frames, start + window);
    let sum = 0;
    for (let i = start; i < end; i++) {
      const s = sample(i);
      sum += s * s;
    }
    loudest = Math.max(loudest, sum / (end - start));
  }
  return loudest === 0 ? -Infinity : 20 * Math.log10(Math.sqrt(loudest) / 32768);
}

/** Reads a recording as Asterisk stored it; `format` is ARI's StoredRecording.format. */
export function analyseAudio(bytes: Uint8Array, format: string): AudioFacts {
  if (isWav(bytes)) {
    const pcm = readWav(bytes);
    return {
      extension: 'wav',
      contentType: 'audio/wav',
      durationMs: pcm ? durationOf(pcm) : null,
      loudestWindowDbfs: pcm ? loudestWindowDbfs(pcm) : null,
    };
  }
  const raw = RAW_FORMATS[format];
  if (!raw) return { extension: /^[a-z0-9]{1,8}$/.test(format) ? format : 'bin', contentType: 'application/octet-stream', durationMs: null, loudestWindowDbfs: null };
  return {
    extension: format,
    contentType: raw.contentType,
    durationMs: Math.round((bytes.length / raw.bytesPerSecond) * 1000),
    loudestWindowDbfs: raw.pcm ? loudestWindowDbfs({ ...raw.pcm, data: bytes }) : null,
  };
}
