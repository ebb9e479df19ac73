/** Every tool, explicitly. Config may filter this list (read-only, sends disabled) before registration. */
import createCampaign from './create_campaign.js';
import listCampaigns from './list_campaigns.js';
import updateCampaignStatus from './update_campaign_status.js';

export const tools = [createCampaign, listCampaigns, updateCampaignStatus] as const;
