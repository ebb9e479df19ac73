import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId, uuidV7Hex } from '../../src/store/ids.js';

const V7 = /^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/;

describe('ids', () => {
  it('are a prefix and a UUIDv7 whose time is the creation millisecond', () => {
    const before = Date.now();
    const id = newId('msg');
    const after = Date.now();
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    const hex = id.slice(4);
    expect(hex).toMatch(V7);
    const ms = parseInt(hex.slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('increase strictly, within a millisecond and when the clock steps back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_050 }), { minLength: 2, maxLength: 200 }), (times) => {
        const ids = times.map((t) => uuidV7Hex(t + 10 ** 12));
        for (const id of ids) expect(id).toMatch(V7);
        for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
      }),
    );
  });

  it('are unique over a busy burst', () => {
    const ids = Array.from({ length: 200_000 }, () => newId('x'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
