import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  keyringFromSecret,
  MAX_TOKEN_CHARS,
  parseTrackingKeys,
  signToken,
  verifyToken,
  type TokenPayload,
} from '../../src/domain/tracking/token.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const OLD = 'old-secret-0123456789abcdefghijklmnop';
const NEW = 'new-secret-0123456789abcdefghijklmnop';
const ring = parseTrackingKeys(`7:${OLD}`);

const decode = (t: string) => Buffer.from(t, 'base64url');
const encode = (b: Buffer) => b.toString('base64url');
/** Signs arbitrary bytes the way the module does, to reach the checks that sit behind the MAC. */
const forge = (secret: string, body: number[] | Buffer) => {
  const b = Buffer.from(body);
  const mac = createHmac('sha256', secret).update('agentic-campaign/track/v1\0').update(b).digest().subarray(0, 16);
  return encode(Buffer.concat([b, mac]));
};

const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
const packedId = hex32.map((h) => `msg_${h}`);
const workspaceId = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-'),
  minLength: 1,
  maxLength: 64,
});
const looseId = fc.string({ minLength: 1, maxLength: 25 }); // ≤ 25 UTF-16 units is ≤ 100 UTF-8 bytes
const messageId = fc.oneof(packedId, looseId);
const payload: fc.Arbitrary<TokenPayload> = fc.oneof(
  fc.record({ kind: fc.constantFrom('open' as const, 'unsubscribe' as const), workspaceId, messageId }),
  fc.record({ kind: fc.constant('click' as const), workspaceId, messageId, link: fc.integer({ min: 0, max: 0xffff }) }),
);

describe('tracking tokens', () => {
  describe('round-trip', () => {
    it('verifies every signed payload back to the same payload', () => {
      fc.assert(
        fc.property(payload, (p) => {
          const token = signToken(ring, p);
          expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
          expect(verifyToken(ring, token, NOW)).toEqual(p);
        }),
      );
    });

    it('packs msg_ ids into a shorter token than the same id left unpacked', () => {
      fc.assert(
        fc.property(workspaceId, hex32, (ws, hex) => {
          const packed = signToken(ring, { kind: 'open', workspaceId: ws, messageId: `msg_${hex}` });
          // `MSG_` does not match the packable form, so this id of the same length travels as a string.
          const unpacked = signToken(ring, { kind: 'open', workspaceId: ws, messageId: `MSG_${hex}` });
          expect(packed.length).toBeLessThan(unpacked.length);
        }),
      );
    });

    it('keeps a typical click token under 80 characters', () => {
      const token = signToken(ring, { kind: 'click', workspaceId: 'default', messageId: `msg_${'0123456789abcdef'.repeat(2)}`, link: 3 });
      expect(token.length).toBeLessThan(80);
    });

    it('signs and verifies with a ring built from a single secret', () => {
      const single = keyringFromSecret(3, Buffer.from(NEW));
      const p: TokenPayload = { kind: 'unsubscribe', workspaceId: 'w', messageId: 'm-1' };
      expect(verifyToken(single, signToken(single, p), NOW)).toEqual(p);
      expect(verifyToken(ring, signToken(single, p), NOW)).toBeNull();
    });
  });

  describe('tampering', () => {
    it('rejects a token with any single bit of its bytes flipped', () => {
      fc.assert(
        fc.property(payload, (p) => {
          const bytes = decode(signToken(ring, p));
          for (let bit = 0; bit < bytes.length * 8; bit++) {
            const copy = Buffer.from(bytes);
            copy[bit >> 3]! ^= 1 << (bit & 7);
            expect(verifyToken(ring, encode(copy), NOW)).toBeNull();
          }
        }),
        { numRuns: 50 },
      );
    });

    it('rejects a token truncated by any number of characters, from either end', () => {
      fc.assert(
        fc.property(payload, (p) => {
          const token = signToken(ring, p);
          for (let k = 1; k <= token.length; k++) {
            expect(verifyToken(ring, token.slice(0, token.length - k), NOW)).toBeNull();
            expect(verifyToken(ring, token.slice(k), NOW)).toBeNull();
          }
        }),
        { numRuns: 50 },
      );
    });

    it('rejects a token with characters appended', () => {
      const b64url = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
      fc.assert(
        fc.property(payload, fc.string({ unit: b64url, minLength: 1, maxLength: 12 }), (p, tail) => {
          expect(verifyToken(ring, signToken(ring, p) + tail, NOW)).toBeNull();
        }),
      );
    });

    it('rejects a token signed with another secret under the same key id', () => {
      const other = parseTrackingKeys(`7:${NEW}`);
      fc.assert(
        fc.property(payload, (p) => {
          expect(verifyToken(ring, signToken(other, p), NOW)).toBeNull();
        }),
      );
    });

    it('does not let an open token pass as a click or an unsubscribe, because the kind is under the MAC', () => {
      fc.assert(
        fc.property(workspaceId, messageId, fc.integer({ min: 0, max: 0xffff }), (ws, msg, link) => {
          const bytes = decode(signToken(ring, { kind: 'open', workspaceId: ws, messageId: msg }));
          const flag = bytes[2]! & 0x80;
          const asUnsubscribe = Buffer.from(bytes);
          asUnsubscribe[2] = 2 | flag;
          const linkBytes = Buffer.alloc(2);
          linkBytes.writeUInt16BE(link);
          const asClick = Buffer.concat([Buffer.from([bytes[0]!, bytes[1]!, 1 | flag]), linkBytes, bytes.subarray(3)]);
          expect(verifyToken(ring, encode(asUnsubscribe), NOW)).toBeNull();
          expect(verifyToken(ring, encode(asClick), NOW)).toBeNull();
          expect(verifyToken(ring, encode(bytes), NOW)?.kind).toBe('open');
        }),
      );
    });

    it('rejects non-canonical base64url spellings of a valid token', () => {
      // 25 bytes: the last character carries spare bits, so several spellings decode to the same bytes.
      const token = signToken(ring, { kind: 'open', workspaceId: 'abc', messageId: 'c' });
      expect(decode(token)).toHaveLength(25);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sameBytes = [...alphabet]
        .map((c) => token.slice(0, -1) + c)
        .filter((v) => v !== token && decode(v).equals(decode(token)));
      expect(sameBytes.length).toBeGreaterThan(0);
      for (const v of sameBytes) expect(verifyToken(ring, v, NOW)).toBeNull();
      expect(verifyToken(ring, `${token}=`, NOW)).toBeNull();
      expect(verifyToken(ring, `${token}==`, NOW)).toBeNull();
      expect(verifyToken(ring, ` ${token}`, NOW)).toBeNull();
      expect(verifyToken(ring, token, NOW)).not.toBeNull();
    });

    it('rejects standard base64 characters in place of their url-safe counterparts', () => {
      fc.assert(
        fc.property(payload, (p) => {
          const token = signToken(ring, p);
          fc.pre(/[-_]/.test(token));
          expect(verifyToken(ring, token.replaceAll('-', '+').replaceAll('_', '/'), NOW)).toBeNull();
        }),
      );
    });

    it('rejects well-signed bytes whose structure is wrong', () => {
      const ws = [...Buffer.from('default')];
      const msg = [...Buffer.from('m1')];
      const good = [1, 7, 0, ws.length, ...ws, msg.length, ...msg];
      expect(verifyToken(ring, forge(OLD, good), NOW)).toEqual({ kind: 'open', workspaceId: 'default', messageId: 'm1' });

      const bad: Record<string, number[]> = {
        'wrong version': [2, ...good.slice(1)],
        'unknown kind': [1, 7, 3, ...good.slice(3)],
        'unknown flag bit': [1, 7, 0x40, ...good.slice(3)],
        'trailing byte': [...good, 0],
        'missing byte': good.slice(0, -1),
        'link on an open': [1, 7, 0, 0, 3, ...good.slice(3)],
        'click without a link': [1, 7, 1, ...good.slice(3)],
        'empty workspace id': [1, 7, 0, 0, msg.length, ...msg],
        'workspace id over 64 bytes': [1, 7, 0, 65, ...Array(65).fill(97), msg.length, ...msg],
        'empty message id': [1, 7, 0, ws.length, ...ws, 0],
        'message id over 100 bytes': [1, 7, 0, ws.length, ...ws, 101, ...Array(101).fill(97)],
        'packed flag with a short id': [1, 7, 0x80, ws.length, ...ws, ...Array(15).fill(0)],
        'invalid UTF-8': [1, 7, 0, ws.length, ...ws, 2, 0xc3, 0x28],
        'unpacked msg_ id that should be packed': [1, 7, 0, ws.length, ...ws, 36, ...Buffer.from(`msg_${'a'.repeat(32)}`)],
      };
      for (const [why, body] of Object.entries(bad)) {
        expect(verifyToken(ring, forge(OLD, body), NOW), why).toBeNull();
      }
    });

    it('never throws, and rejects junk and over-long input', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (s) => {
          expect(verifyToken(ring, s, NOW)).toBeNull();
        }),
      );
      expect(verifyToken(ring, '', NOW)).toBeNull();
      expect(verifyToken(ring, 'A'.repeat(MAX_TOKEN_CHARS + 4), NOW)).toBeNull();
      expect(verifyToken(ring, undefined as unknown as string, NOW)).toBeNull();
      expect(verifyToken(ring, ['x'] as unknown as string, NOW)).toBeNull();
    });
  });

  describe('signing', () => {
    it('refuses payloads that cannot be encoded', () => {
      const base = { workspaceId: 'w', messageId: 'm' };
      expect(() => signToken(ring, { kind: 'click', ...base })).toThrow(/link/);
      expect(() => signToken(ring, { kind: 'click', ...base, link: -1 })).toThrow(/link/);
      expect(() => signToken(ring, { kind: 'click', ...base, link: 65536 })).toThrow(/link/);
      expect(() => signToken(ring, { kind: 'click', ...base, link: 1.5 })).toThrow(/link/);
      expect(() => signToken(ring, { kind: 'open', ...base, link: 0 })).toThrow(/link/);
      expect(() => signToken(ring, { kind: 'open', workspaceId: '', messageId: 'm' })).toThrow(/workspace/);
      expect(() => signToken(ring, { kind: 'open', workspaceId: 'w'.repeat(65), messageId: 'm' })).toThrow(/workspace/);
      expect(() => signToken(ring, { kind: 'open', workspaceId: 'é'.repeat(33), messageId: 'm' })).toThrow(/workspace/);
      expect(() => signToken(ring, { kind: 'open', workspaceId: 'w', messageId: '' })).toThrow(/message/);
      expect(() => signToken(ring, { kind: 'open', workspaceId: 'w', messageId: 'm'.repeat(101) })).toThrow(/message/);
      expect(() => signToken(ring, { kind: 'open', workspaceId: 'w', messageId: '\ud800' })).toThrow(/message/);
      expect(() => signToken(ring, { kind: 'bogus' as 'open', ...base })).toThrow(/kind/);
      expect(signToken(ring, { kind: 'open', workspaceId: 'w'.repeat(64), messageId: 'm'.repeat(100) }).length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
    });
  });

  describe('key rotation', () => {
    const p: TokenPayload = { kind: 'click', workspaceId: 'default', messageId: `msg_${'ab'.repeat(16)}`, link: 3 };
    const oldToken = signToken(parseTrackingKeys(`1:${OLD}`), p);

    it('verifies a token from the old key once the new key signs and the old one is kept', () => {
      const rotated = parseTrackingKeys(`2:${NEW},1:${OLD}`);
      expect(rotated.signing.id).toBe(2);
      expect(verifyToken(rotated, oldToken, NOW)).toEqual(p);
      expect(decode(signToken(rotated, p))[1]).toBe(2);
    });

    it('verifies the old key until its verify-until and rejects it afterwards', () => {
      const until = '2026-07-01T00:00:00Z';
      const rotated = parseTrackingKeys(`2:${NEW}, 1:${OLD}:${until}`);
      expect(verifyToken(rotated, oldToken, NOW)).toEqual(p);
      expect(verifyToken(rotated, oldToken, new Date(Date.parse(until) - 1))).toEqual(p);
      expect(verifyToken(rotated, oldToken, new Date(until))).toBeNull();
      expect(verifyToken(rotated, oldToken, new Date('2026-08-01T00:00:00Z'))).toBeNull();
      expect(verifyToken(rotated, oldToken, new Date(Number.NaN))).toBeNull();
      // The signing key has no end.
      expect(verifyToken(rotated, signToken(rotated, p), new Date('2099-01-01T00:00:00Z'))).toEqual(p);
    });

    it('rejects the old token once key 1 is no longer listed', () => {
      expect(verifyToken(parseTrackingKeys(`2:${NEW}`), oldToken, NOW)).toBeNull();
      expect(verifyToken(parseTrackingKeys(`2:${NEW},3:${OLD}`), oldToken, NOW)).toBeNull();
    });
  });

  describe('parseTrackingKeys', () => {
    it('parses ids, secrets and verify-until dates, trimming whitespace around entries', () => {
      const r = parseTrackingKeys(` 0:${NEW} ,\n255:${OLD}:2027-01-15T00:00:00+01:00 `);
      expect(r.signing).toEqual({ id: 0, secret: Buffer.from(NEW) });
      expect(r.keys).toHaveLength(2);
      expect(r.keys[0]).toBe(r.signing);
      expect(r.keys[1]).toEqual({ id: 255, secret: Buffer.from(OLD), verifyUntil: new Date('2027-01-14T23:00:00Z') });
    });

    const cases: [string, string, RegExp][] = [
      ['an empty spec', '', /empty/],
      ['a blank spec', '  , ', /entry 1.*empty/],
      ['an empty entry', `1:${NEW},`, /entry 2.*empty/],
      ['an entry without a secret', `1:${NEW},2`, /entry 2/],
      ['a non-numeric id', `x:${NEW}`, /entry 1.*id/],
      ['an id over 255', `1:${NEW},256:${OLD}`, /entry 2.*id/],
      ['a negative id', `-1:${NEW}`, /entry 1.*id/],
      ['a duplicate id', `1:${NEW},2:${OLD},1:${OLD}x`, /entry 3.*duplicate.*entry 1/],
      ['a short secret', `1:${NEW},2:short-secret`, /entry 2.*secret.*32/],
      ['an invalid date', `1:${NEW},2:${OLD}:next-tuesday`, /entry 2.*verify-until/],
      ['an impossible date', `1:${NEW},2:${OLD}:2027-02-30T00:00:00Z`, /entry 2.*verify-until/],
      ['a date without a time zone', `1:${NEW},2:${OLD}:2027-01-15T00:00:00`, /entry 2.*verify-until/],
      ['an empty date', `1:${NEW},2:${OLD}:`, /entry 2.*verify-until/],
      ['a verify-until on the first entry', `1:${NEW}:2027-01-15T00:00:00Z,2:${OLD}`, /entry 1.*first.*signing/],
    ];
    for (const [what, spec, message] of cases) {
      it(`rejects ${what}, naming TRACKING_SECRETS and the entry`, () => {
        expect(() => parseTrackingKeys(spec)).toThrow(/TRACKING_SECRETS/);
        expect(() => parseTrackingKeys(spec)).toThrow(message);
      });
    }

    it('never puts a secret in its error messages', () => {
      for (const spec of [`x:${NEW}`, `1:${NEW},1:${OLD}`, `1:${NEW},2:${OLD}:soon`]) {
        expect(() => parseTrackingKeys(spec)).toThrow();
        try {
          parseTrackingKeys(spec);
        } catch (e) {
          expect((e as Error).message).not.toContain('secret-0123');
        }
      }
    });

    it('refuses a bad id or a short secret in keyringFromSecret', () => {
      expect(() => keyringFromSecret(256, Buffer.from(NEW))).toThrow(/id/);
      expect(() => keyringFromSecret(1, Buffer.from('short'))).toThrow(/secret/);
    });
  });
});
