/**
 * design_ab_test: an A/B test of a draft one-time campaign from a hypothesis. Steers the model to
 * variants that test it, a metric and decision rule, a run_ab_test dry run to size it, and a start
 * with confirm only once the marketer agrees.
 */
import { z } from 'zod';
import { GOAL_METRICS } from '../src/domain/campaign.js';
import { DomainError } from '../src/domain/errors.js';
import { definePrompt } from '../src/server/define.js';
import { campaignOrThrow, completeCampaignIds } from './shared.js';

export default definePrompt({
  name: 'design_ab_test',
  title: 'Design an A/B test',
  description: 'Turns a hypothesis into an A/B test of a draft one-time campaign: 2-4 variants, the metric and decision rule, a dry-run plan (sample size per arm, detectable lift), and a start only after you agree.',
  args: {
    campaign_id: z.string().describe('The draft one-time campaign to test (cmp_...)'),
    hypothesis: z.string().describe('What you expect and why, e.g. "a subject line with the discount gets more opens"'),
    metric: z.string().optional().describe(`What decides the winner: ${GOAL_METRICS.join(', ')} (default: the campaign's goal metric)`),
  },
  complete: {
    campaign_id: completeCampaignIds,
    metric: async (value) => GOAL_METRICS.filter((m) => m.startsWith(value.toLowerCase())),
  },
  async build({ campaign_id, hypothesis, metric }, ctx) {
    const m = metric?.trim().toLowerCase();
    if (m && !(GOAL_METRICS as readonly string[]).includes(m)) {
      throw new DomainError('invalid_input', `metric must be one of: ${GOAL_METRICS.join(', ')} (got '${metric}')`);
    }
    const c = await campaignOrThrow(ctx, campaign_id);
    if (c.status !== 'draft' || c.type !== 'one_time') {
      throw new DomainError(
        'invalid_input',
        `campaign '${c.id}' is a ${c.status} ${c.type} campaign; run_ab_test needs a draft one_time campaign. Create one with create_campaign (type one_time) and design the test on it`,
      );
    }
    const variants = c.variants.map((v) => `${v.key}${v.subject ? ` ("${v.subject}")` : ''}`).join(', ');
    return [
      {
        role: 'user',
        text: [
          `Design an A/B test on the draft campaign "${c.name}" (${c.id}, channels ${c.channels.join(', ')}; variants now: ${variants}).`,
          `Hypothesis: ${hypothesis}`,
          `1. Propose 2-4 variants that test this hypothesis and nothing else (change one thing), keeping a control. Save them on the draft with create_campaign (campaign_id ${c.id}).`,
          `2. Metric: ${m ?? `${c.goal.metric} (the campaign's goal metric), unless the hypothesis calls for another`}. Decision rule: method always_valid (safe to watch continuously) unless there is a reason for another; say which and why.`,
          `3. Call run_ab_test with campaign_id ${c.id} as a dry run (no confirm) to see the plan: the sample size per arm and the lift it can detect. If it cannot detect a lift that would matter, adjust (fewer variants, a wider segment, or a metric with a higher base rate such as open) and plan again.`,
          '4. Show me the plan and wait: only call run_ab_test with confirm: true and an idempotency_key after I agree. Afterwards, follow it with get_metrics and experiment://{experiment_id}; decide_experiment ends it early.',
        ].join('\n'),
      },
    ];
  },
});
