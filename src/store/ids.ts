import { randomFillSync } from 'node:crypto';

/**
 * A new id like `cmp_01939c5a7d2b7c3e8f...`: a prefix naming the kind, then a UUIDv7 (RFC 9562)
 * without dashes. v7 ids sort by creation time, so "newest first" and cursor pagination can order
 * by id; within one millisecond a counter keeps them increasing (RFC 9562 §6.2, method 1).
 *
 * Made here rather than with the uuid package because the send path makes one per message and
 * uuid asks the OS for 16 random bytes each time (about 10 µs); this draws them from a pool.
 */
export function newId(prefix: string): string {
  return `${prefix}_${uuidV7Hex(Date.now())}`;
}

const POOL_BYTES = 8 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolAt = POOL_BYTES;
let lastMs = -1;
/** 42 bits: rand_a (12) and the top 30 bits of rand_b, seeded at random each millisecond and counted up within it. */
let counter = 0;
const LOW_30 = 2 ** 30;
const COUNTER_SPAN = 2 ** 42;

/**
 * The 32 hex digits of a UUIDv7: 48-bit Unix milliseconds, version 7, 12-bit rand_a, variant 10,
 * 62-bit rand_b. Strictly increasing within this process, even if the clock steps back.
 */
export function uuidV7Hex(nowMs: number): string {
  if (poolAt + 8 > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const seed = pool.readUInt32BE(poolAt) & (LOW_30 - 1);
  const tail = pool.readUInt32BE(poolAt + 4);
  poolAt += 8;
  let ms = nowMs;
  if (ms > lastMs) {
    lastMs = ms;
    counter = seed; // < 2^30, so a millisecond has room for 2^42 - 2^30 more ids
  } else {
    ms = lastMs;
    if (++counter >= COUNTER_SPAN) {
      lastMs = ++ms;
      counter = seed;
    }
  }
  const randA = Math.floor(counter / LOW_30);
  const variantAndCounter = 0x80000000 + (counter % LOW_30);
  return (
    ms.toString(16).padStart(12, '0') +
    (0x7000 + randA).toString(16) +
    variantAndCounter.toString(16) +
    tail.toString(16).padStart(8, '0')
  );
}
