import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe-style: `X-Switchboard-Signature: t=<unix seconds>,v1=<hex>` where
 * hex = HMAC-SHA256(secret, `${t}.${body}`) over the exact bytes of the body. The timestamp in
 * the signed text stops a captured request from being replayed later; receivers check it is
 * recent (five minutes by default). Several `v1=` entries may appear while a secret is rotated.
 */
export const SIGNATURE_HEADER = 'X-Switchboard-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureHex(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}

export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${signatureHex(secret, unixSeconds, body)}`;
}

export function parseSignatureHeader(header: string): { t: number | null; v1: string[] } {
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) v1.push(value);
  }
  return { t, v1 };
}

/** What a receiver runs: true when one v1 matches and t is within the tolerance of `nowSeconds`. */
export function verifyWebhookSignature(opts: { header: string; body: string; secret: string; nowSeconds: number; toleranceSeconds?: number }): boolean {
  const { t, v1 } = parseSignatureHeader(opts.header);
  if (t === null || v1.length === 0) return false;
  if (Math.abs(opts.nowSeconds - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signatureHex(opts.secret, t, opts.body), 'hex');
  return v1.some((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected));
}
