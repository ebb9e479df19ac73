/**
 * The moment each member of an optimized send gets (src/domain/sendtime/policy.ts), a page of
 * members at a time: their counts and recent sends in two reads, the candidate hours once per
 * zone. Deterministic for (send, person), so a resumed range chooses as the first run did.
 */
import type { PressurePolicy } from '../../domain/delivery/pressure.js';
import { quietWindowEnd, CAP_LOOKBACK_MS } from '../../domain/delivery/pressure.js';
import type { Store } from '../../domain/ports.js';
import { localHourStarts, localSlot, offsetMs, type Candidate } from '../../domain/sendtime/local-slots.js';
import { emptyCounts, expectedOpens, personRates } from '../../domain/sendtime/model.js';
import { armOf, chooseTime, hashUnit, type Choice } from '../../domain/sendtime/policy.js';
import type { SendTimePlan } from '../../services/send-time-plan.js';

const DAY_MS = 86_400_000;

interface ZoneHours {
  candidates: Candidate[];
  quiet: boolean[];
}

export async function chooseSendTimes(
  deps: { store: Pick<Store, 'sendTime' | 'ledger'>; policy: PressurePolicy },
  workspaceId: string,
  scheduleId: string,
  plan: SendTimePlan,
  members: ReadonlyArray<{ id: string; timezone: string }>,
  now: Date,
): Promise<Map<string, Choice & { ownHistory: boolean }>> {
  const ids = members.map((m) => m.id);
  const capPerDay = deps.policy.capPerDay;
  const [profiles, recent] = await Promise.all([
    deps.store.sendTime.profiles(workspaceId, ids),
    capPerDay === null ? Promise.resolve(new Map<string, Date[]>()) : deps.store.ledger.recentSends(workspaceId, ids, new Date(now.getTime() - CAP_LOOKBACK_MS)),
  ]);
  const from = new Date(Math.max(new Date(plan.from).getTime(), now.getTime()));
  const until = new Date(plan.until);
  const zones = new Map<string, ZoneHours>();
  const hoursIn = (zone: string): ZoneHours => {
    let z = zones.get(zone);
    if (!z) {
      let candidates = localHourStarts(from, until, zone);
      // A window shorter than an hour, or already over: send at its start.
      if (candidates.length === 0) candidates = [{ at: from, ...localSlot(from, zone) }];
      const q = deps.policy.quietHours;
      zones.set(zone, (z = { candidates, quiet: candidates.map((c) => plan.quiet && q !== null && quietWindowEnd(c.at, zone, q) !== null) }));
    }
    return z;
  };
  const out = new Map<string, Choice & { ownHistory: boolean }>();
  for (const m of members) {
    const { candidates, quiet } = hoursIn(m.timezone);
    const own = profiles.get(m.id);
    const rates = personRates(own ?? emptyCounts(), plan.snapshot);
    const scores = candidates.map((c) => expectedOpens(rates, plan.snapshot, c.week));
    const full = capPerDay === null ? null : fullDays(recent.get(m.id), m.timezone, capPerDay, now);
    const allowed = (i: number) => !quiet[i] && !(full && full.has(localDay(candidates[i]!.at.getTime(), m.timezone)));
    const arm = armOf(workspaceId, scheduleId, m.id, plan.shares);
    out.set(m.id, { ...chooseTime(candidates, scores, allowed, arm, hashUnit('sto-draw', scheduleId, m.id)), ownHistory: own !== undefined });
  }
  return out;
}

const localDay = (ms: number, zone: string) => Math.floor((ms + offsetMs(ms, zone)) / DAY_MS);

/** The person's local days (as day numbers) already at the daily cap. */
function fullDays(sends: readonly Date[] | undefined, zone: string, cap: number, now: Date): Set<number> | null {
  if (!sends || sends.length < cap) return null;
  const perDay = new Map<number, number>();
  for (const s of sends) {
    if (s.getTime() > now.getTime()) continue;
    const d = localDay(s.getTime(), zone);
    perDay.set(d, (perDay.get(d) ?? 0) + 1);
  }
  const full = new Set<number>();
  for (const [d, n] of perDay) if (n >= cap) full.add(d);
  return full.size > 0 ? full : null;
}
