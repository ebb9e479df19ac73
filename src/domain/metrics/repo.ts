/** The store port for campaign metrics (rollups kept by the database). */
import type { Channel } from '../campaign.js';
import type { RollupSums } from './rates.js';

export interface RollupRow extends RollupSums {
  campaignId: string;
  /** '' for messages never assigned a variant (dropped before sending). */
  variantId: string;
  channel: Channel;
  /** Start of the hour. */
  bucket: Date;
}

export interface MetricsWindow {
  since?: Date;
  until?: Date;
}

export interface MetricsRepo {
  /** One campaign's rollup rows (variant x channel x hour), in the window. */
  campaign(workspaceId: string, campaignId: string, window: MetricsWindow): Promise<RollupRow[]>;
  /** Sums per campaign for the whole workspace, in the window. */
  byCampaign(workspaceId: string, window: MetricsWindow): Promise<Array<RollupSums & { campaignId: string }>>;
}

