/** The server's own tracking-token key, made once per database when TRACKING_SECRETS is not set. */
import { randomBytes } from 'node:crypto';
import { desc } from 'drizzle-orm';
import type { TrackingKeyRepo } from '../../domain/tracking/engagement.js';
import type { Executor } from '../executor.js';


export function trackingKeyRepo(x: Executor): TrackingKeyRepo {
  const k = x.t.trackingKeys;
  return {
    ensure: (now) =>
      x.run(async (db) => {
        await db.insert(k).values({ id: 1, secret: randomBytes(32).toString('base64url'), createdAt: now }).onConflictDoNothing();
        const [row] = await db.select({ id: k.id, secret: k.secret }).from(k).orderBy(desc(k.id)).limit(1);
        return row!;
      }),
  };
}
