/**
 * win_back: a win-back of customers likely to churn. Steers the model through refresh_scores, a
 * churn-risk segment (or an existing one, by name), a re_engagement journey or a two-subject
 * campaign, and an optimal-send-time dry run; nothing is sent without the marketer's yes.
 */
import { z } from 'zod';
import { CHANNELS } from '../src/domain/campaign.js';
import { DomainError } from '../src/domain/errors.js';
import { definePrompt } from '../src/server/define.js';
import { checkChannel, completeSegmentNames, segmentByName } from './shared.js';

function churnThreshold(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0.6;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n >= 1) {
    throw new DomainError('invalid_input', `churn_threshold must be a number between 0 and 1, e.g. 0.6 (got '${raw}')`);
  }
  return n;
}

export default definePrompt({
  name: 'win_back',
  title: 'Set up a win-back of at-risk customers',
  description: 'Finds customers likely to churn (churn risk from refresh_scores, or an existing segment), drafts a re_engagement journey or a campaign with two subject lines to test, previews it at each person\'s best send time, and asks before sending anything.',
  args: {
    churn_threshold: z.string().optional().describe('Churn risk (0-1) from which a customer counts as at risk; default 0.6'),
    segment: z.string().optional().describe('Name of an existing segment to start from instead of defining a new one'),
    offer: z.string().optional().describe('What to offer them, e.g. "20% off with code COMEBACK20"'),
    channel: z.string().optional().describe(`Channel: ${CHANNELS.join(', ')} (default email)`),
  },
  complete: {
    segment: completeSegmentNames,
    channel: async (value) => CHANNELS.filter((c) => c.startsWith(value.toLowerCase())),
  },
  async build({ churn_threshold, segment, offer, channel }, ctx) {
    const threshold = churnThreshold(churn_threshold);
    checkChannel(channel);
    const existing = segment ? await segmentByName(ctx, segment) : null;
    const scoreRule = JSON.stringify({ version: 1, root: { kind: 'score', score: 'churn_risk', op: 'gte', value: threshold } });
    const audience = existing
      ? `2. Start from the existing segment "${existing.name}" (${existing.id}, ${existing.kind}${existing.estimated_size === null ? '' : `, about ${existing.estimated_size} people when last computed`}). Check it with preview_segment. If its rules do not already require churn risk, narrow it with define_segment (dry_run: true first): an "and" of {"kind":"segment","segment_id":"${existing.id}"} and {"kind":"score","score":"churn_risk","op":"gte","value":${threshold}}.`
      : `2. Define the audience with define_segment (dry_run: true first, then save it): rules ${scoreRule}, or in words with define_segment_nl ("customers with a churn risk of at least ${threshold}"). Tell me how many people match.`;
    return [
      {
        role: 'user',
        text: [
          `Set up a win-back of customers at risk of churning (churn risk >= ${threshold}).`,
          '1. Call refresh_scores first so every customer\'s churn_risk is current.',
          audience,
          `3. Draft the messages on the ${channel ?? 'email'} channel${offer ? `, offering: ${offer}` : ' (suggest an offer if one would help)'}. Either create_journey with template {"name": "re_engagement"} (we miss you, then a last chance) and the segment's segment_id, or create_campaign (a one_time draft with that segment_id) with two variants whose subject lines differ, so they can be tested.`,
          '4. Preview: for a campaign, schedule_send with optimal: true and dry_run: true (each person at their best send hour); for a journey, activate_campaign without confirm. Show me the audience after consent, suppression and caps, the hours chosen and the credits.',
          '5. Ask me before anything is sent: never call schedule_send, run_ab_test or activate_campaign with confirm: true until I have said yes.',
        ].join('\n'),
      },
    ];
  },
});
