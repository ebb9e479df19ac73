/**
 * The tracking writer: hits that arrive together share one transaction, and each is answered
 * only once it has committed. (Throughput rests on the first: bench/tracking.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerKey } from '../../src/domain/delivery/ledger.js';
import type { EngagementHit } from '../../src/domain/tracking/engagement.js';
import { newId } from '../../src/store/ids.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { query } from '../helpers/db.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

describe('the tracking writer', () => {
  let t: TestApp;
  const ids: string[] = [];
  beforeAll(async () => {
    t = await testApp('sqlite');
    const sentAt = new Date(t.clock.now().getTime() - 3_600_000);
    const deliveries = Array.from({ length: 20 }, (_, i) => {
      const id = newId('msg');
      ids.push(id);
      const userId = `w${i}`;
      return {
        id, attempts: 0, channel: 'email' as const, variantId: null, credits: 1, userId, payload: {},
        row: { campaignId: 'cmp_w', stepKey: 's', scheduleId: 'sch_w', userId, idempotencyKey: ledgerKey('cmp_w', 's', userId, ['email']), channel: 'email' as const, plannedFor: sentAt },
        rendered: { subject: 'Hi', text: 'x', html: null, links: ['https://shop.example/a'] },
      };
    });
    await t.store.ledger.deliverInStore('default', deliveries, sentAt, 'test');
  });
  afterAll(async () => t?.dispose());

  it('writes hits that arrive together in one transaction, and answers each after the commit', async () => {
    const batches: EngagementHit[][] = [];
    const record = t.store.engagement.record.bind(t.store.engagement);
    (t.store.engagement as { record: typeof record }).record = async (hits) => {
      batches.push([...hits]);
      return record(hits);
    };
    const tracking = t.ctx.tracking!;
    // Each hit from a callback of its own (immediates queued together run in one turn, whatever the load), as requests arrive from their sockets.
    const results = await Promise.all(
      ids.map(
        (messageId, i) =>
          new Promise<Awaited<ReturnType<typeof tracking.record>>>((resolve, reject) =>
            setImmediate(() => {
              const token = i % 2 ? { kind: 'open' as const, workspaceId: 'default', messageId } : { kind: 'click' as const, workspaceId: 'default', messageId, link: 0 };
              tracking.record({ token, userAgent: BROWSER }).then(resolve, reject);
            }),
          ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(batches).toHaveLength(1);
    // 10 opens, 10 clicks and the 10 opens the clicks imply.
    expect(batches[0]).toHaveLength(30);
    const [row] = await query<{ n: number }>(t, 'select count(*) as n from engagement_events');
    expect(row!.n).toBe(30);
  });
});
