/**
 * Dead letters: messages the event intake could not use, with the reason, for an operator to read.
 * A redelivered message is stored once (same source, subject, stream sequence and payload).
 */
import { createHash } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { DeadLetterRepo } from '../../domain/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';

const MAX_PAYLOAD = 64 * 1024;

export function deadLetterRepo(x: Executor): DeadLetterRepo {
  const d = x.t.deadLetters;
  return {
    add: (entries) =>
      entries.length === 0
        ? Promise.resolve(0)
        : x.run(async (db) => {
            const rows = await db
              .insert(d)
              .values(
                entries.map((e) => ({
                  id: newId('dlq'),
                  source: e.source.slice(0, 200),
                  subject: e.subject.slice(0, 500),
                  streamSeq: e.streamSeq ?? null,
                  payloadDigest: createHash('sha256').update(e.payload).digest('hex').slice(0, 32),
                  reason: e.reason.slice(0, 1000),
                  payload: e.payload.slice(0, MAX_PAYLOAD),
                  receivedAt: e.receivedAt,
                })),
              )
              .onConflictDoNothing()
              .returning({ id: d.id });
            return rows.length;
          }),
    list: (o) =>
      x.run(async (db) => {
        const rows = await db
          .select()
          .from(d)
          .where(and(...(o.source ? [eq(d.source, o.source)] : [])))
          .orderBy(desc(d.receivedAt))
          .limit(o.limit);
        return rows.map((r) => ({ id: r.id, source: r.source, subject: r.subject, streamSeq: r.streamSeq, reason: r.reason, payload: r.payload, receivedAt: new Date(r.receivedAt) }));
      }),
  };
}
