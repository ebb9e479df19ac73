/** Every prompt, explicitly. */
import planCampaign from './plan_campaign.js';

export const prompts = [planCampaign] as const;
