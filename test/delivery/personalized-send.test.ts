/**
 * A send whose template reads the user 360 (stated preferences from memories, scores, last
 * purchase, the campaign): the preview and the dispatcher load it per page and per batch through
 * the same code personalize_message uses, and each person gets their own copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

describe.each(await dialects())('a personalized send on %s', (dialect) => {
  let t: TestApp;
  let jobs: JobRunner;
  beforeAll(async () => {
    t = await testApp(dialect, { FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0', QUIET_HOURS: 'off' });
    jobs = jobRunner(t);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('renders each message with that person\'s preferences, scores, last purchase and the campaign', async () => {
    const ws = 'ws_p360';
    const now = t.clock.now();
    await t.store.workspaces.ensure(ws);
    await addPeople(t.store, ws, [{ id: 'p1', name: 'Ada Lovelace' }, { id: 'p2', name: 'Alan Turing' }, { id: 'p3', name: 'Grace Hopper' }], now);
    const x = t.store.executor;
    await x.run((db) =>
      db.insert(x.t.memories).values([
        { workspaceId: ws, id: 'm1', userId: 'p1', memoryType: 'factual', subject: 'Favorite category', predicate: 'is', objectValue: 'shoes', eventType: null, content: 'likes shoes', importance: 0.9, confidence: 1, createdAt: now },
        { workspaceId: ws, id: 'm2', userId: 'p2', memoryType: 'factual', subject: 'favorite category', predicate: 'is', objectValue: 'books', eventType: null, content: 'likes books', importance: 0.9, confidence: 1, createdAt: now },
      ]),
    );
    await x.run((db) =>
      db.insert(x.t.userScores).values([
        { workspaceId: ws, userId: 'p1', frequency: 3, monetary: 120, churnRisk: 0.82, rfmSegment: 'at_risk', computedAt: now },
        { workspaceId: ws, userId: 'p2', frequency: 1, monetary: 20, churnRisk: 0.1, rfmSegment: 'new_customers', computedAt: now },
      ]),
    );
    await t.store.events.insert(ws, [
      { id: 'e1', user_id: 'p1', type: 'purchase', properties: { amount: 40, product: 'Trail runners' }, occurred_at: new Date(now.getTime() - 5 * 86_400_000) },
      { id: 'e2', user_id: 'p1', type: 'purchase', properties: { amount: 80, product: 'Rain jacket' }, occurred_at: new Date(now.getTime() - 2 * 86_400_000) },
      { id: 'e3', user_id: 'p2', type: 'purchase', properties: { amount: 20, product: 'A novel' }, occurred_at: new Date(now.getTime() - 9 * 86_400_000) },
    ]);
    const segmentId = await tierSegment(t.store, ws, 'pro');
    const mcp = await connect(t.ctx, principal(ws));
    try {
      const { campaign } = await mcp.ok('create_campaign', {
        name: 'Come back',
        segment_id: segmentId,
        channels: ['email'],
        variants: [
          {
            subject: '{{ first_name }}, new {{ preferences.favorite_category | default: "picks" }} for you',
            body: '{% if scores.churn_risk > 0.5 %}We miss you. {% endif %}After your {{ last_purchase.product }}, {{ campaign.name }} has more.',
          },
        ],
      });
      // p3 has no purchase: the preview counts that message as failing on the variable, by name.
      const preview: any = await mcp.ok('schedule_send', { campaign_id: campaign.id });
      expect(preview.preview).toMatchObject({ eligible: 2, dropped: { missing_variable: 1 } });
      expect(preview.preview.warnings.join(' ')).toMatch(/p3: body: missing variable last_purchase\.product/);
      expect(preview.preview.samples[0]).toMatchObject({ user_id: 'p1', subject: 'Ada, new shoes for you' });

      await mcp.ok('schedule_send', { campaign_id: campaign.id, confirm: true, idempotency_key: 'p360-send-1' });
      await jobs.settle();
      const rows = await query<{ user_id: string; status: string; rendered: unknown; error: string | null }>(
        t,
        'select user_id, status, rendered, error from messages where workspace_id = ? order by user_id',
        [ws],
      );
      const content = (r: unknown) => (typeof r === 'string' ? JSON.parse(r) : r) as { subject: string; text: string };
      expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered', 'failed']);
      expect(content(rows[0]!.rendered)).toMatchObject({ subject: 'Ada, new shoes for you', text: 'We miss you. After your Rain jacket, Come back has more.' });
      expect(content(rows[1]!.rendered)).toMatchObject({ subject: 'Alan, new books for you', text: 'After your A novel, Come back has more.' });
      expect(rows[2]!.error).toMatch(/^render: body: missing variable last_purchase\.product/);
    } finally {
      await mcp.close();
    }
  });
});
