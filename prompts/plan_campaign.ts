import { z } from 'zod';
import { CHANNELS } from '../src/domain/campaign.js';
import { definePrompt } from '../src/server/define.js';

export default definePrompt({
  name: 'plan_campaign',
  title: 'Plan a campaign from a goal',
  description: 'Turns a marketing goal into a draft campaign: audience, channel, two subject lines to test, and a goal metric, then creates it as a draft with create_campaign.',
  args: {
    goal: z.string().describe('What the campaign should achieve, e.g. "win back pro users who stopped opening the app"'),
    channel: z.string().optional().describe(`Preferred channel: ${CHANNELS.join(', ')}`),
  },
  complete: {
    channel: async (value) => CHANNELS.filter((c) => c.startsWith(value)),
  },
  async build({ goal, channel }) {
    return [
      {
        role: 'user',
        text: [
          `Plan a marketing campaign for this goal: ${goal}`,
          channel ? `Use the ${channel} channel.` : 'Pick the channel that suits the goal (email unless there is a reason not to).',
          'Propose: who to target, the goal metric (open, click, conversion or revenue, with the goal event if any), and two variants with different subject lines so they can be tested.',
          'Then call create_campaign to save it as a draft and show me the result. Do not schedule or send anything.',
        ].join('\n'),
      },
    ];
  },
});
