/**
 * Messaging history ("received a marketing email in the last 14 days", "clicked campaign cmp_1"),
 * consent ("subscribed to push", "unsubscribed from email"), memory facts ("has a memory fact
 * prefers_email", "prefers email") and membership of another segment ("in segment seg_1").
 */
import type { Channel } from '../../../campaign.js';
import type { RuleNode } from '../../ast.js';
import { CHANNEL_SOURCE, channelOf } from '../lexicon.js';
import { anchored, readDays, WINDOW } from '../phrases.js';
import { pattern, type Pattern, type Recognized } from '../types.js';
import { listItems } from './values.js';

/** Messaging conditions need a window; "ever" is the longest one the rules allow. */
export const EVER_DAYS = 3650;

type Groups = Record<string, string | undefined>;
type Action = 'received' | 'opened' | 'clicked';

const ID = '[a-z0-9_.:-]{1,100}';
const ARTICLE = '(?:an? |any |one |our |the |some )?(?:marketing |promotional |promo )?';
const NOUN = '(?:messages?|notifications?|campaigns?|communications?|comms)';
const MESSAGE = `(?:${ARTICLE}(?:(?<ch>${CHANNEL_SOURCE}) )?${NOUN}|${ARTICLE}(?<ch2>${CHANNEL_SOURCE}))`;
const CAMPAIGN = `(?:the )?(?:(?<ch3>${CHANNEL_SOURCE}) )?campaign (?<cid>${ID})`;
const VIA = `(?: (?:by|via|over|on) (?<ch4>${CHANNEL_SOURCE}))?`;
const ACTION = '(?<act>received|receives?|got|gets?|(?:been |was |were )?sent|(?:been )?delivered|opened|opens?|read|clicked(?: on| through| into| (?:on )?(?:a |any )?links? in)?|clicks?(?: on)?|tapped(?: on)?|taps?(?: on)?)';

function actionOf(verb: string): Action {
  if (/^(?:opened|opens?|read)$/i.test(verb)) return 'opened';
  if (/^(?:click|tap)/i.test(verb)) return 'clicked';
  return 'received';
}

function messaging(action: Action, g: Groups, channelWord?: string): Recognized {
  const node: Extract<RuleNode, { kind: 'messaging' }> = { kind: 'messaging', action, window_days: EVER_DAYS, happened: true };
  const word = channelWord ?? g.ch ?? g.ch2 ?? g.ch3 ?? g.ch4;
  if (word) node.channel = channelOf(word)!;
  if (g.cid !== undefined) node.campaign_id = g.cid;
  if (g.win !== undefined) {
    const d = readDays(g.win);
    if ('problem' in d) return d;
    node.window_days = d.days;
  }
  return { node: reorder(node) };
}

/** Keys in schema order, so results compare equal to hand-written rules in any printout. */
function reorder(n: Extract<RuleNode, { kind: 'messaging' }>): RuleNode {
  const { kind, action, channel, campaign_id, window_days, happened } = n;
  return { kind, action, ...(channel ? { channel } : {}), ...(campaign_id ? { campaign_id } : {}), window_days, happened };
}

function consent(text: string, subscribed: boolean): Recognized {
  const channels = [...new Set(listItems(text).map((w) => channelOf(w)))];
  if (channels.some((c) => c === undefined)) return { problem: `unknown channel in '${text}'; the channels are email, push, sms, in-app and webhook` };
  const nodes: RuleNode[] = (channels as Channel[]).map((channel) => ({ kind: 'consent', channel, subscribed }));
  if (nodes.length === 1) return { node: nodes[0]! };
  return { node: { kind: / or /i.test(text) ? 'or' : 'and', children: nodes } };
}

const SEP = '(?:, (?:or |and )?| or | and )';
const CHANNELS = `(?<chs>(?:${CHANNEL_SOURCE})(?:${SEP}(?:${CHANNEL_SOURCE})){0,4})`;
const CH_TAIL = '(?: marketing| messages| notifications| communications| updates| campaigns)?';
const WIN_OPT = `(?: (?<win>${WINDOW}))?`;
const QUOTED = `"[^"]{1,200}"|'[^']{1,200}'`;
const unquote = (s: string) => s.replace(/^(["'])(.*)\1$/s, '$2');

export const engagementPatterns: Pattern[] = [
  pattern(anchored(`${ACTION} (?:${CAMPAIGN}|${MESSAGE})${VIA}${WIN_OPT}`), (g) => messaging(actionOf(g.act!), g)),
  pattern(anchored(`(?:been )?(?<verb>emailed|e-mailed|texted|messaged|contacted|pushed)${WIN_OPT}`), (g) => {
    const v = g.verb!.toLowerCase();
    return messaging('received', g, v.includes('mail') ? 'email' : v === 'texted' ? 'sms' : v === 'pushed' ? 'push' : undefined);
  }),
  // The bare noun is read after "no": "no marketing email in 14 days".
  pattern(anchored(`(?:${CAMPAIGN}|${MESSAGE}) (?<win>${WINDOW})`), (g) => messaging('received', g)),

  pattern(
    anchored(`(?:subscribed|opted[- ]?in|opt[- ]?in|signed up|consented|agreed) (?:to|for|into) (?:receive |receiving )?(?:the |our )?(?:marketing )?${CHANNELS}${CH_TAIL}`),
    (g) => consent(g.chs!, true),
  ),
  pattern(anchored(`(?:unsubscribed|opted[- ]?out|opt[- ]?out) (?:from|of) (?:the |our )?(?:marketing )?${CHANNELS}${CH_TAIL}`), (g) => consent(g.chs!, false)),
  pattern(anchored(`${CHANNELS} (?:subscribers?|opt-?ins?|consent(?: given)?|opted[- ]?in)`), (g) => consent(g.chs!, true)),
  pattern(anchored(`(?:an? )?(?:marketing )?consent (?:to|for) ${CHANNELS}${CH_TAIL}`), (g) => consent(g.chs!, true)),

  pattern(anchored(`(?:an? |any |the )?(?:memory )?(?:fact|memory)(?: that)? (?:mentions|mentioning|contains|containing|says|saying|with text|matching|includes|including) (?<text>${QUOTED}|[a-z0-9_.-]{1,100})`), (g) => ({
    node: { kind: 'memory', text: unquote(g.text!), has: true },
  })),
  pattern(anchored(`(?:an? |any |the )?(?:memory )?(?:fact|memory)(?: with(?: the)? subject| about| subject| named| called| for)? (?<subj>${QUOTED}|${ID})`), (g) => ({
    node: { kind: 'memory', subject: unquote(g.subj!), has: true },
  })),
  pattern(anchored(`(?:prefers?|preferring)(?: to be (?:contacted|reached|messaged))?(?: (?:by|via|through))? (?<ch>${CHANNEL_SOURCE})${CH_TAIL}`), (g) => ({
    node: { kind: 'memory', subject: `prefers_${channelOf(g.ch!)!}`, has: true },
  })),

  pattern(anchored(`(?:in|a member of|members? of|belongs? to|belonging to|part of|inside|within) (?:the )?segment (?<id>${ID})`), (g) => ({
    node: { kind: 'segment', segment_id: g.id!, member: true },
  })),
  pattern(anchored(`(?:in|a member of|members? of|belongs? to|belonging to|part of) (?:the )?(?<id>${ID}) segment`), (g) => ({
    node: { kind: 'segment', segment_id: g.id!, member: true },
  })),
  pattern(anchored(`segment (?<id>${ID})(?: members?)?`), (g) => ({ node: { kind: 'segment', segment_id: g.id!, member: true } })),
  pattern(anchored(`(?:in|a member of|members? of|belongs? to|part of) (?:the )?segment (?<q>${QUOTED}|.{1,200})`), (g) => ({
    problem: `${g.q} is not a segment id (ids look like seg_0193...; call list_segments to find one)`,
  })),
];
