/**
 * Which variant a person gets from a send, wherever it is asked (the members phase plans the
 * message's time with it, the batch renders it): fixed once the row has one; else the
 * experiment's arm when the send serves an experiment; else the stable weighted hash over the
 * variants the schedule sends.
 */
import type { Campaign, Variant } from '../campaign.js';
import { armOf } from '../experiments/assignment.js';
import { assignVariant } from './ledger.js';
import type { ScheduleSpec } from './schedule.js';

export function variantFor(c: Campaign, spec: ScheduleSpec, userId: string, fixedId: string | null = null): Variant {
  const fixed = fixedId ? c.variants.find((v) => v.id === fixedId) : undefined;
  if (fixed) return fixed;
  const e = spec.experiment;
  if (e) {
    const id = armOf(e, userId);
    const v = c.variants.find((x) => x.id === id);
    if (!v) throw new Error(`experiment ${e.id} names variant ${id}, which campaign ${c.id} no longer has`);
    return v;
  }
  const keys = spec.variant_keys;
  return assignVariant(keys ? c.variants.filter((v) => keys.includes(v.key)) : c.variants, c.id, userId);
}
