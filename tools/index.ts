/** Every tool, explicitly. Config may filter this list (read-only, sends disabled) before registration. */
import activateCampaign from './activate_campaign.js';
import cancelSchedule from './cancel_schedule.js';
import configureAgent from './configure_agent.js';
import createCampaign from './create_campaign.js';
import createJourney from './create_journey.js';
import createTemplate from './create_template.js';
import decideExperiment from './decide_experiment.js';
import defineSegment from './define_segment.js';
import defineSegmentNl from './define_segment_nl.js';
import getMetrics from './get_metrics.js';
import listCampaigns from './list_campaigns.js';
import listAgentDecisions from './list_agent_decisions.js';
import listEnrollments from './list_enrollments.js';
import listPlatformTemplates from './list_platform_templates.js';
import listSegmentMembers from './list_segment_members.js';
import listScheduledSends from './list_scheduled_sends.js';
import listSegments from './list_segments.js';
import listTemplates from './list_templates.js';
import managePlatformTemplate from './manage_platform_template.js';
import personalizeMessage from './personalize_message.js';
import previewSegment from './preview_segment.js';
import previewTemplate from './preview_template.js';
import refreshScores from './refresh_scores.js';
import reviewProposal from './review_proposal.js';
import runAgent from './run_agent.js';
import runAbTest from './run_ab_test.js';
import scheduleSend from './schedule_send.js';
import trackEvent from './track_event.js';
import updateCampaignStatus from './update_campaign_status.js';
import updateSuppression from './update_suppression.js';
import updateTemplate from './update_template.js';

export const tools = [
  createCampaign,
  listCampaigns,
  updateCampaignStatus,
  defineSegmentNl,
  defineSegment,
  listSegments,
  listSegmentMembers,
  previewSegment,
  refreshScores,
  scheduleSend,
  cancelSchedule,
  listScheduledSends,
  getMetrics,
  trackEvent,
  createJourney,
  activateCampaign,
  listEnrollments,
  runAbTest,
  decideExperiment,
  updateSuppression,
  createTemplate,
  updateTemplate,
  listTemplates,
  previewTemplate,
  personalizeMessage,
  listPlatformTemplates,
  managePlatformTemplate,
  configureAgent,
  runAgent,
  listAgentDecisions,
  reviewProposal,
] as const;
