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

export type RollupDimension = 'variant' | 'channel' | 'hour';

export interface MetricsRepo {
  /**
   * One campaign's rollup sums in the window, summed over every dimension not asked for (summed
   * in the database: the rows it returns are one per combination of the asked dimensions; the
   * others come back as '' / epoch).
   */
  campaign(workspaceId: string, campaignId: string, window: MetricsWindow, by: readonly RollupDimension[]): Promise<RollupRow[]>;
  /** Sums per campaign for the whole workspace, in the window. */
  byCampaign(workspaceId: string, window: MetricsWindow): Promise<Array<RollupSums & { campaignId: string }>>;
}

