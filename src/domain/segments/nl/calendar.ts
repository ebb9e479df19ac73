/**
 * Calendar periods ("this year", "this week", "today", "year to date"). The grammar is pure and
 * has no clock, and the rules' windows are rolling ("the last 30 days"), so a clause that would
 * read with a rolling window in place of the period is reported with that suggestion instead.
 */
import type { RuleNode } from '../ast.js';
import { tidy } from './normalize.js';
import type { Problem, Recognized } from './types.js';

const PERIOD = '(?:year|quarter|month|week)';
const CALENDAR = new RegExp(
  `\\b(?:(?:in|during|within|over|for) )?(?:the )?(?:` +
    [
      `(?:so far )?(?:this|the current|current) (?:calendar )?(?<p1>${PERIOD})(?: so far| to date)?`,
      `(?<p2>${PERIOD})[- ]to[- ]date`,
      `(?<p3>[yqmw])td`,
      `(?<p4>today|yesterday)`,
      `since (?:the )?(?:start|beginning) of (?:the |this )?(?<p5>${PERIOD})`,
      `(?:last|previous|prior) calendar (?<p6>${PERIOD})`,
    ].join('|') +
    `)\\b`,
  'i',
);

const DAYS: Readonly<Record<string, number>> = { year: 365, y: 365, quarter: 90, q: 90, month: 30, m: 30, week: 7, w: 7, today: 1, yesterday: 2 };

const hasSignup = (n: RuleNode): boolean =>
  n.kind === 'signup' || ((n.kind === 'and' || n.kind === 'or') && n.children.some(hasSignup)) || (n.kind === 'not' && hasSignup(n.child));

/** Why a clause with a calendar period cannot be read, when with a rolling window it could; else null. */
export function calendarProblem(text: string, read: (text: string) => Recognized | null): Problem | null {
  const s = tidy(text);
  const m = CALENDAR.exec(s);
  if (!m) return null;
  const g = m.groups ?? {};
  const unit = (g.p1 ?? g.p2 ?? g.p3 ?? g.p4 ?? g.p5 ?? g.p6)!.toLowerCase();
  const days = DAYS[unit]!;
  const rolling = days === 1 ? 'in the last day' : `in the last ${days} days`;
  const r = read(`${s.slice(0, m.index)}${rolling}${s.slice(m.index + m[0].length)}`);
  if (!r || !('node' in r)) return null;
  const date = hasSignup(r.node) ? ", or give a date, e.g. 'signed up after 2026-01-01'" : '';
  return { problem: `'${m[0].trim()}' is a calendar period, which needs a date (the grammar has no clock): say '${rolling}'${date}` };
}
