/** Every resource template, explicitly. */
import campaignState from './campaign_state.js';

export const resources = [campaignState] as const;
