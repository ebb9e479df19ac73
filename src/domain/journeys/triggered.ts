/**
 * A triggered campaign is the smallest journey: its trigger enters the user, the campaign's
 * message goes out after the trigger's delay (the variant by the campaign's weights), and the
 * flow ends. Running both through one runner gives triggered sends the same durability, exits and
 * per-step metrics as journeys.
 */
import type { CampaignTrigger } from '../campaign.js';
import type { JourneyDefinition, JourneyStep } from './definition.js';

export const TRIGGERED_SEND_STEP = 'send';
export const TRIGGERED_END_STEP = 'done';

export function triggeredFlow(trigger: CampaignTrigger): JourneyDefinition {
  const send = { kind: 'send', next: TRIGGERED_END_STEP } as JourneyStep;
  return {
    version: 1,
    entry: { trigger },
    start: TRIGGERED_SEND_STEP,
    steps: { [TRIGGERED_SEND_STEP]: send, [TRIGGERED_END_STEP]: { kind: 'exit' } as JourneyStep },
  } as JourneyDefinition;
}
