/** Every resource template, explicitly. */
import agentDecision from './agent_decision.js';
import campaignState from './campaign_state.js';
import experiment from './experiment.js';
import template from './template.js';
import user360 from './user_360.js';

export const resources = [campaignState, experiment, template, user360, agentDecision] as const;
