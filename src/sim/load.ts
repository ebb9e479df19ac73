/**
 * Writes a simulated population into the store's users table. The store has no user-writing
 * repository (users arrive from the platform, or in bulk through src/seed, whose loader only
 * writes its own generated people), so this inserts through the store's executor with the
 * query builder, as the test helpers do; ids already present are left alone, so loading twice
 * is harmless. Nothing of the ground truth is written: an agent reading the store cannot see it.
 */
import type { OpenedStore } from '../store/open.js';
import type { SimUser } from './population.js';

const DAY = 86_400_000;
/** Rows per INSERT: 22 columns stay far below both dialects' parameter limits. */
const BATCH = 500;

/** Inserts the users that are not there yet (in one transaction); returns how many were new. */
export async function insertUsers(store: OpenedStore, workspaceId: string, users: readonly SimUser[], now: Date): Promise<number> {
  const x = store.executor;
  const u = x.t.users;
  return x.tx(async (db) => {
    let inserted = 0;
    for (let i = 0; i < users.length; i += BATCH) {
      const rows = users.slice(i, i + BATCH).map((p) => ({
        workspaceId,
        id: p.id,
        email: p.email,
        phone: null,
        name: `${p.firstName} ${p.lastName}`,
        status: 'active',
        country: p.country,
        timezone: p.timezone,
        locale: p.locale,
        tier: p.tier,
        subscriptionStatus: 'active',
        isTrial: false,
        creditsRemaining: 0,
        consentEmail: true,
        consentPush: false,
        consentSms: false,
        consentInApp: true,
        consentWebhook: false,
        traits: {},
        lastEventAt: null,
        createdAt: new Date(now.getTime() - p.signupDaysAgo * DAY),
        updatedAt: now,
      }));
      inserted += (await db.insert(u).values(rows).onConflictDoNothing().returning({ id: u.id })).length;
    }
    return inserted;
  });
}
