/**
 * The DTMF codes of config/features.conf (and a res_parking.conf parking extension, when there
 * is one): strings the dialplan must not give another meaning to on the receptionists' phones.
 */
import type { SourceFile } from './parse';

export interface FeatureCode {
  readonly code: string;
  /** `blindxfer`, `atxferabort`, `parkext`, ... */
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

const GENERAL_CODES = new Set(['atxferabort', 'atxfercomplete', 'atxferthreeway', 'atxferswap', 'parkext', 'pickupexten']);
const PARKING_CODES = new Set(['parkext']);

/** Reads features.conf, res_parking.conf, or any file with `; dialplan-check: reserve <code> <why>`. */
export function readFeatureCodes(source: SourceFile): FeatureCode[] {
  const codes: FeatureCode[] = [];
  const parking = /(^|\/)res_parking\.conf$/.test(source.path);
  let section = '';
  source.text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const semi = raw.search(/(?<!\\);/);
    const code = (semi >= 0 ? raw.slice(0, semi) : raw).trim();
    const comment = semi >= 0 ? raw.slice(semi + 1) : '';
    const reserve = /^\s*dialplan-check:\s*reserve\s+(\S+)\s*(.*)$/i.exec(comment);
    if (reserve) codes.push({ code: reserve[1]!, name: reserve[2]!.trim() || 'reserved', file: source.path, line });
    if (!code) return;
    const header = /^\[([^\]]+)\]/.exec(code);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      return;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=>?\s*(.*)$/.exec(code);
    if (!kv) return;
    const key = kv[1]!.toLowerCase();
    const value = kv[2]!.trim();
    let dtmf: string | undefined;
    if (parking) dtmf = PARKING_CODES.has(key) ? value : undefined;
    else if (section === 'featuremap') dtmf = value;
    else if (section === 'general') dtmf = GENERAL_CODES.has(key) ? value : undefined;
    else if (section === 'applicationmap') dtmf = value.split(',')[0]!.trim();
    if (dtmf) codes.push({ code: dtmf, name: key, file: source.path, line });
  });
  return codes;
}
