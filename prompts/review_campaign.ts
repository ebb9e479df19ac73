/**
 * review_campaign: a performance review of one campaign. Embeds what the campaign is, then steers
 * the model through campaign://{id}, get_metrics (per variant, per day, against the workspace), the
 * experiment and send-time parts, to findings with numbers and intervals and next steps.
 */
import { z } from 'zod';
import { DomainError } from '../src/domain/errors.js';
import { definePrompt } from '../src/server/define.js';
import { campaignOrThrow, completeCampaignIds } from './shared.js';

export const FOCUSES = ['engagement', 'conversions', 'deliverability', 'experiment', 'send_time'] as const;

const FOCUS_TEXT: Record<(typeof FOCUSES)[number], string> = {
  engagement: 'opens, clicks and click-to-open',
  conversions: 'conversions and revenue against the goal',
  deliverability: 'delivered, bounced, failed, unsubscribed and suppressed',
  experiment: 'the A/B test: the winner, its lift and whether the decision is sound',
  send_time: 'send times: the lift of optimized send times over the control group, and the best hours',
};

export default definePrompt({
  name: 'review_campaign',
  title: "Review a campaign's performance",
  description: "Reviews one campaign: delivery and engagement per variant and per day, its A/B test and send times, compared with the rest of the workspace, ending in findings with numbers and concrete next steps.",
  args: {
    campaign_id: z.string().describe('The campaign to review (cmp_...)'),
    focus: z.string().optional().describe(`What to look at most closely: ${FOCUSES.join(', ')}`),
  },
  complete: {
    campaign_id: completeCampaignIds,
    focus: async (value) => FOCUSES.filter((f) => f.startsWith(value.toLowerCase())),
  },
  async build({ campaign_id, focus }, ctx) {
    const f = focus?.trim().toLowerCase();
    if (f && !(FOCUSES as readonly string[]).includes(f)) {
      throw new DomainError('invalid_input', `focus must be one of: ${FOCUSES.join(', ')} (got '${focus}')`);
    }
    const c = await campaignOrThrow(ctx, campaign_id);
    return [
      {
        role: 'user',
        text: [
          `Review the performance of the campaign "${c.name}" (${c.id}): type ${c.type}, status ${c.status}, channels ${c.channels.join(', ')}, goal metric ${c.goal.metric}.`,
          f ? `Focus on ${FOCUS_TEXT[f as keyof typeof FOCUS_TEXT]}.` : 'Cover engagement, conversions and deliverability.',
          `1. Read campaign://${c.id} for its definition, schedules and counters.`,
          `2. Call get_metrics with campaign_id ${c.id}, group_by ["variant"] and trend "day".`,
          '3. If it has an A/B test, read experiment://{experiment_id} (the id is in get_metrics) for the analysis; look at the send_time part for the lift of optimized send times and the best hours.',
          c.agent.enabled ? `4. The campaign agent works on it: list_agent_decisions with campaign_id ${c.id} shows what it did and why.` : '4. Skip the agent: it is not enabled on this campaign.',
          '5. Compare with the workspace: get_metrics without campaign_id.',
          '6. Report findings with the numbers and their 95% intervals (say when a difference is within the noise), then concrete next steps. Do not send, schedule, decide an experiment or change anything without asking me first.',
        ].join('\n'),
      },
    ];
  },
});
