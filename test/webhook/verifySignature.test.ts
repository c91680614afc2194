import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../lib/webhook/verifySignature.ts';

// GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('verifySignature', () => {
  it("accepts GitHub's documented signature for its documented payload", async () => {
    expect(await verifySignature(BODY, SIGNATURE, { current: SECRET })).toEqual({
      valid: true,
      body: 'Hello, World!',
    });
  });

  it('rejects the same signature over a body changed by one byte', async () => {
    expect(await verifySignature(Buffer.from('Hello, World?'), SIGNATURE, { current: SECRET })).toEqual({
      valid: false,
      reason: 'signature',
    });
  });

  it('rejects a signature made with another secret', async () => {
    expect(await verifySignature(BODY, SIGNATURE, { current: 'another secret' })).toMatchObject({
      valid: false,
    });
  });

  it('accepts the previous secret while a rotation is under way', async () => {
    expect(
      await verifySignature(BODY, SIGNATURE, { current: 'the new secret', previous: SECRET }),
    ).toMatchObject({
      valid: true,
    });
  });

  it('rejects a truncated or unprefixed signature', async () => {
    for (const signature of [SIGNATURE.slice(0, -2), SIGNATURE.slice('sha256='.length), 'sha1=abc']) {
      expect(await verifySignature(BODY, signature, { current: SECRET })).toMatchObject({ valid: false });
    }
  });

  it('rejects a body that is not UTF-8 before checking any signature', async () => {
    expect(await verifySignature(Buffer.from([0x7b, 0xff, 0x7d]), SIGNATURE, { current: SECRET })).toEqual({
      valid: false,
      reason: 'encoding',
    });
  });
});
