/** Every prompt, explicitly. */
import designAbTest from './design_ab_test.js';
import planCampaign from './plan_campaign.js';
import reviewCampaign from './review_campaign.js';
import winBack from './win_back.js';

export const prompts = [planCampaign, winBack, reviewCampaign, designAbTest] as const;
