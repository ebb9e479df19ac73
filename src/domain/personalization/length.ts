/**
 * Channel length limits and SMS segment maths.
 *
 * Lengths are counted in Unicode code points ("😀" is 1), except SMS, which is counted in the
 * units its encoding actually sends: GSM-7 septets or UTF-16 code units.
 */
import type { Channel, CheckResult, Copy } from './types.js';

export interface ChannelLimits {
  /** Most code points in the subject (email subject, push/in-app title); null: no channel limit. */
  subject: number | null;
  /** Most code points in the text body; null: no channel limit. */
  text: number | null;
  /** SMS: most segments a rewrite may ever use. */
  smsSegments: number | null;
}

/**
 * - email subject 150: no standard caps it (RFC 5322 only caps a header line at 998 octets) and
 *   clients show ~40-90 characters; 150 stops a runaway subject while leaving room to rewrite.
 * - push title 65 / body 240: conservative cross-platform limits. APNs and FCM accept ~4 KB
 *   payloads but truncate on the device (iOS lock screen and Android collapsed notifications show
 *   roughly 40-65 title characters and 2-4 lines of body), so more is never seen.
 * - in_app body 1000: an in-app message is a card or modal, not a page.
 * - sms 2 segments (306 GSM-7 characters): each segment is billed, and a rewrite may use
 *   at most as many as the original (at least 1), never more than 2.
 */
export const CHANNEL_LIMITS: Record<Channel, ChannelLimits> = {
  email: { subject: 150, text: null, smsSegments: null },
  push: { subject: 65, text: 240, smsSegments: null },
  sms: { subject: null, text: null, smsSegments: 2 },
  in_app: { subject: null, text: 1000, smsSegments: null },
  webhook: { subject: null, text: null, smsSegments: null },
};

/**
 * For every channel and field: a rewrite, not an essay. The task states it for the text; it is
 * applied to the subject and HTML as well, since an inflated HTML body is as much a new message.
 */
export const GROWTH = { factor: 2, slack: 200 } as const;

/**
 * 3GPP TS 23.038 (GSM 03.38) default alphabet, one septet each (0x1B, the escape, is not a
 * character). Position 0x09 is the capital Ç, as the standard has it.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: sent as escape + character, two septets each. */
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

/** Characters per segment: a lone message, or each part of a concatenated one (the 6-byte UDH takes the rest). */
export const SMS_SEGMENT = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

export interface SmsSize {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** GSM-7: septets (extension characters count 2). UCS-2: UTF-16 code units (astral characters such as emoji count 2). */
  length: number;
}

/**
 * How an SMS is sent: GSM-7 when every character is in the default alphabet or its extension,
 * else UCS-2 (in practice UTF-16, so an emoji takes two units). Concatenated segments never
 * split an escape pair or a surrogate pair, as encoders do, which can cost a segment over
 * plain division. An empty text is 0 segments.
 */
export function smsSegments(text: string): SmsSize {
  const chars = [...text];
  const gsm = chars.every((c) => BASIC.has(c) || EXTENSION.has(c));
  const units = gsm ? chars.map((c) => (EXTENSION.has(c) ? 2 : 1)) : chars.map((c) => c.length);
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  const length = units.reduce((a, b) => a + b, 0);
  const size = SMS_SEGMENT[encoding];
  if (length === 0) return { encoding, segments: 0, length };
  if (length <= size.single) return { encoding, segments: 1, length };
  let segments = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > size.multi) {
      segments++;
      used = 0;
    }
    used += u;
  }
  return { encoding, segments, length };
}

/** The first character that forces UCS-2, if any. */
export function firstNonGsm(text: string): string | undefined {
  return [...text].find((c) => !BASIC.has(c) && !EXTENSION.has(c));
}

export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const FIELD_NAME = { subject: 'subject', text: 'text', html: 'HTML' } as const;

export function checkLength(channel: Channel, original: Copy, candidate: Copy): CheckResult {
  const limits = CHANNEL_LIMITS[channel];
  const problems: string[] = [];
  const subjectName = channel === 'push' || channel === 'in_app' ? 'title' : 'subject';
  const textName = channel === 'push' || channel === 'in_app' ? 'body' : 'text';

  if (limits.subject !== null && candidate.subject !== null && codePoints(candidate.subject) > limits.subject) {
    problems.push(`the ${subjectName} has ${codePoints(candidate.subject)} characters; the ${channel} limit is ${limits.subject}`);
  }
  if (limits.text !== null && codePoints(candidate.text) > limits.text) {
    problems.push(`the ${textName} has ${codePoints(candidate.text)} characters; the ${channel} limit is ${limits.text}`);
  }
  let smsNote: string | undefined;
  if (limits.smsSegments !== null) {
    const was = smsSegments(original.text);
    const now = smsSegments(candidate.text);
    const allowed = Math.min(limits.smsSegments, Math.max(1, was.segments));
    smsNote = `${now.segments} SMS segment(s), ${now.encoding}, ${now.length} units`;
    if (now.segments > allowed) {
      const forced = now.encoding === 'UCS-2' && was.encoding === 'GSM-7' ? `; '${firstNonGsm(candidate.text)}' forces UCS-2 (70 characters a segment instead of 160), the original is GSM-7` : '';
      problems.push(
        `the SMS takes ${now.segments} segments (${now.encoding}, ${now.length} units) but may take at most ${allowed} (the original takes ${was.segments})${forced}; shorten it`,
      );
    }
  }
  for (const field of ['subject', 'text', 'html'] as const) {
    const before = original[field];
    const after = candidate[field];
    if (before === null || after === null) continue;
    const cap = GROWTH.factor * codePoints(before) + GROWTH.slack;
    if (codePoints(after) > cap) {
      problems.push(
        `the ${FIELD_NAME[field]} has ${codePoints(after)} characters, more than ${GROWTH.factor}× the original's ${codePoints(before)} + ${GROWTH.slack} = ${cap}; rewrite it, don't expand it`,
      );
    }
  }
  if (problems.length) return { check: 'length', ok: false, detail: problems.join('; ') };
  return smsNote ? { check: 'length', ok: true, detail: smsNote } : { check: 'length', ok: true };
}
