/** plan_campaign: a marketing goal turned into a draft campaign (optionally for an existing segment); nothing is sent. */
import { z } from 'zod';
import { CHANNELS } from '../src/domain/campaign.js';
import { definePrompt } from '../src/server/define.js';
import { completeSegmentNames, segmentByName } from './shared.js';

export default definePrompt({
  name: 'plan_campaign',
  title: 'Plan a campaign from a goal',
  description: 'Turns a marketing goal into a draft campaign: audience, channel, two subject lines to test, and a goal metric, then creates it as a draft with create_campaign.',
  args: {
    goal: z.string().describe('What the campaign should achieve, e.g. "win back pro users who stopped opening the app"'),
    channel: z.string().optional().describe(`Preferred channel: ${CHANNELS.join(', ')}`),
    segment: z.string().optional().describe('Name of an existing segment to target (otherwise the audience is proposed from the goal)'),
  },
  complete: {
    channel: async (value) => CHANNELS.filter((c) => c.startsWith(value)),
    segment: completeSegmentNames,
  },
  async build({ goal, channel, segment }, ctx) {
    const target = segment ? await segmentByName(ctx, segment) : null;
    return [
      {
        role: 'user',
        text: [
          `Plan a marketing campaign for this goal: ${goal}`,
          channel ? `Use the ${channel} channel.` : 'Pick the channel that suits the goal (email unless there is a reason not to).',
          target
            ? `Target the existing segment "${target.name}" (segment_id ${target.id}); check it with preview_segment.`
            : 'Propose who to target (define_segment_nl or define_segment can save that audience as a segment).',
          'Propose: the goal metric (open, click, conversion or revenue, with the goal event if any), and two variants with different subject lines so they can be tested.',
          'Then call create_campaign to save it as a draft and show me the result. Do not schedule or send anything.',
        ].join('\n'),
      },
    ];
  },
});
