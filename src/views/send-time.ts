/** Send-time views: the measured lift, a group's best hours, a person's best hours. */
import { z } from 'zod';

const liftView = z.object({
  treated: z.object({ people: z.number().int(), sends: z.number().int(), opens: z.number().int(), open_rate: z.number().nullable() }),
  control: z.object({ people: z.number().int(), sends: z.number().int(), opens: z.number().int(), open_rate: z.number().nullable() }),
  lift: z.number().nullable().describe('Relative lift of the open rate (0.08 = +8%).'),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
});

const armCounts = z.object({ people: z.number().int(), sends: z.number().int(), opens: z.number().int() });

export const sendTimeLiftView = z.object({
  policy: liftView.describe('Optimized and explored sends together (the policy as run) over the control group.'),
  optimized: liftView.describe('Optimized sends alone over the control group.'),
  by_arm: z.object({ optimized: armCounts, explore: armCounts, control: armCounts }),
  note: z.string(),
});

const hourScore = { local_hour: z.number().int(), index: z.number().describe('Expected opens at this hour over the mean of all 24 (1.2 = 20% more).') };

export const bestSendTimesView = z.object({
  group: z.enum(['segment', 'population']),
  segment_id: z.string().optional(),
  segment_name: z.string().optional(),
  best: z.array(z.object({ ...hourScore, opens_in_hour: z.number().int().describe('First opens the group made in this local hour.') })),
  worst: z.object(hourScore),
  evidence: z.object({ sends: z.number().int(), opens: z.number().int(), kernel_source: z.enum(['fitted', 'prior']) }),
});

export const personSendTimesView = z.object({
  best: z.array(
    z.object({
      ...hourScore,
      own_evidence: z.number().describe("Share of this hour's estimate that is the person's own history (the rest is the population's)."),
      opens_in_hour: z.number().int(),
      sends_in_hour: z.number().int(),
    }),
  ),
  evidence: z.object({ sends: z.number().int(), opens: z.number().int() }),
  basis: z.string(),
});
