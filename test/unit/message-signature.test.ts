import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSignatureHeader, verifyWebhookSignature, webhookSignature } from '../../src/messages/signature';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ id: 'd1', type: 'message.created', message: { id: 'm1' } });

describe('webhook signatures', () => {
  it('given a body and a time then the header is t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>', () => {
    const expected = createHmac('sha256', secret).update(`1764000000.${body}`).digest('hex');
    expect(webhookSignature(secret, body, 1764000000)).toBe(`t=1764000000,v1=${expected}`);
  });

  it('given a signed body when the receiver verifies it then it passes', () => {
    const header = webhookSignature(secret, body, 1764000000);
    expect(verifyWebhookSignature({ header, body, secret, nowSeconds: 1764000010 })).toBe(true);
  });

  it('given a tampered body then verification fails', () => {
    const header = webhookSignature(secret, body, 1764000000);
    expect(verifyWebhookSignature({ header, body: body.replace('m1', 'm2'), secret, nowSeconds: 1764000000 })).toBe(false);
  });

  it('given another secret or a tampered timestamp then verification fails', () => {
    const header = webhookSignature(secret, body, 1764000000);
    expect(verifyWebhookSignature({ header, body, secret: 'whsec_other_secret_000', nowSeconds: 1764000000 })).toBe(false);
    expect(verifyWebhookSignature({ header: header.replace('t=1764000000', 't=1764000001'), body, secret, nowSeconds: 1764000000 })).toBe(false);
  });

  it('given a signature older than the tolerance then it is refused as a replay', () => {
    const header = webhookSignature(secret, body, 1764000000);
    expect(verifyWebhookSignature({ header, body, secret, nowSeconds: 1764000000 + 301 })).toBe(false);
    expect(verifyWebhookSignature({ header, body, secret, nowSeconds: 1764000000 + 301, toleranceSeconds: 600 })).toBe(true);
  });

  it('given a header during secret rotation with two v1 entries then either secret verifies', () => {
    const a = webhookSignature(secret, body, 1764000000);
    const b = webhookSignature('whsec_next_secret_0000', body, 1764000000).split(',')[1];
    const header = `${a},${b}`;
    expect(parseSignatureHeader(header).v1).toHaveLength(2);
    expect(verifyWebhookSignature({ header, body, secret: 'whsec_next_secret_0000', nowSeconds: 1764000000 })).toBe(true);
  });

  it('given a malformed header then verification fails without throwing', () => {
    for (const header of ['', 'garbage', 't=abc,v1=zz', 'v1=' + 'a'.repeat(64)]) {
      expect(verifyWebhookSignature({ header, body, secret, nowSeconds: 1764000000 })).toBe(false);
    }
  });
});
