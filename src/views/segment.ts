/** Segments as tools and resources show them. */
import { z } from 'zod';
import { SEGMENT_KINDS } from '../domain/segments/repo.js';

export const userSummaryView = z.object({
  user_id: z.string(),
  name: z.string().optional(),
  tier: z.string(),
  country: z.string().optional(),
  timezone: z.string(),
  created_at: z.string(),
  last_event_at: z.string().nullable(),
});

export const segmentView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  kind: z.enum(SEGMENT_KINDS),
  rules: z.record(z.string(), z.unknown()).describe('The rules as stored (version + root).'),
  estimated_size: z.number().int().nullable(),
  last_computed_at: z.string().nullable(),
  created_at: z.string(),
});

/** What defining or previewing a segment returns. */
export const segmentDefinitionView = z.object({
  saved: z.boolean().describe('False for a dry run: nothing was stored.'),
  segment: segmentView.optional(),
  rules: z.record(z.string(), z.unknown()),
  restatement: z.array(z.string()).describe('One plain-language sentence per top-level rule.'),
  estimated_size: z.number().int(),
  sample: z.array(userSummaryView),
  evaluated_at: z.string(),
});
