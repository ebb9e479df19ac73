/**
 * Splits a description into pieces and atoms, keeping offsets into the text as written so that
 * anything not understood can be quoted exactly.
 *
 * Pieces are separated by newlines, semicolons, bullets and sentence ends ("hard" separators);
 * a piece is AND-ed with the one before it unless it starts with "or". Within a piece, atoms are
 * separated by commas, "and", "or", "but", relative pronouns ("paying users who are from the
 * US"), and before "excluding", "except", "whose", "with" and "without", which stay in the atom;
 * never inside parentheses, which are read with the words before them (see gloss.ts).
 * Negations ("not", "but not") always stay inside the atom they negate. Splitting too eagerly is
 * harmless: atoms are merged back when together they read as one condition.
 */

export type JoinKind = 'and' | 'or' | ',';

export interface Span {
  start: number;
  end: number;
}

export interface Piece extends Span {
  atoms: Span[];
  /** joins[i] joins atoms[i] and atoms[i + 1]. */
  joins: JoinKind[];
  orWithPrevious: boolean;
}

const HARD = /\r?\n|;|\.\s+(?=[A-Z])/g;
const BULLET = /^\s*(?:[-*\u2022\u00B7+]|\d{1,2}[.)])\s+/;
const SOFT = /\s*,\s*(?:(?:and|or|but)\s+)?|\s+(?:and|or|but|who|that|which)\s+|\s+(?=(?:excluding|except|whose|with|without)\b)/gi;

/**
 * What comes before the conditions: "Find all users who:", "Show me customers that", "people
 * who", "and", "or", "who". Stripped from the quoted text of every atom.
 */
const LEAD =
  /^(?:\s*(?:(?:please\s+)?(?:find|show|list|get|give|select|target|return|build|create|make|i\s+want|we\s+want|i\s+need|we\s+need)(?:\s+me|\s+us)?\s+)?(?:(?:a\s+)?(?:segment|audience)(?:\s+of|\s*:)?\s+)?(?:(?:all|the|any|every|those)\s+(?:of\s+the\s+)?)?(?:users?|people|customers?|persons?|contacts?|folks|everyone|everybody|anyone|anybody|those)\b(?:\s+(?:who|that|which))?\s*:?|\s*(?:and|or|but|also|plus|then|either|both|who|that|which)\b\s*:?)+/i;

/** Moves a span's start past the preamble and connectors, and trims whitespace and final dots. */
export function trimSpan(text: string, span: Span): Span {
  let { start, end } = span;
  for (let before = -1; before !== start; ) {
    before = start;
    const lead = LEAD.exec(text.slice(start, end));
    if (lead) start += lead[0].length;
    // A stray comma before the first condition (", spent over $500").
    while (start < end && /[\s,]/.test(text[start]!)) start += 1;
  }
  while (end > start && /[\s.]/.test(text[end - 1]!)) end -= 1;
  return { start, end };
}

function softSplit(text: string, piece: Span): { atoms: Span[]; joins: JoinKind[] } {
  const atoms: Span[] = [];
  const joins: JoinKind[] = [];
  const body = text.slice(piece.start, piece.end);
  let from = 0;
  // Parentheses ("new users (signed up in the last 14 days)") are kept with the words before them.
  const depth: number[] = [];
  for (let k = 0, d = 0; k < body.length; k += 1) depth.push((d = Math.max(0, d + (body[k] === '(' ? 1 : body[k] === ')' ? -1 : 0))));
  SOFT.lastIndex = 0;
  for (let m = SOFT.exec(body); m; m = SOFT.exec(body)) {
    // "1,000" is a number, not two atoms.
    if (/^,/.test(m[0]) && /\d$/.test(body.slice(0, m.index)) && /^,\d{3}(?!\d)/.test(body.slice(m.index))) continue;
    if (m.index === 0 || depth[m.index]! > 0) continue;
    atoms.push({ start: piece.start + from, end: piece.start + m.index });
    const word = m[0].toLowerCase();
    joins.push(/\bor\b/.test(word) ? 'or' : /\b(?:and|but)\b/.test(word) || m[0].trim() === '' ? 'and' : ',');
    from = m.index + m[0].length;
  }
  atoms.push({ start: piece.start + from, end: piece.end });
  return { atoms, joins };
}

export function splitDescription(text: string): Piece[] {
  const pieces: Piece[] = [];
  let from = 0;
  const bounds: Span[] = [];
  HARD.lastIndex = 0;
  for (let m = HARD.exec(text); m; m = HARD.exec(text)) {
    bounds.push({ start: from, end: m[0].startsWith('.') ? m.index + 1 : m.index });
    from = m.index + m[0].length;
  }
  bounds.push({ start: from, end: text.length });
  for (const b of bounds) {
    const bullet = BULLET.exec(text.slice(b.start, b.end));
    const span = { start: b.start + (bullet ? bullet[0].length : 0), end: b.end };
    if (!text.slice(span.start, span.end).trim()) continue;
    const orWithPrevious = /^\s*or\b/i.test(text.slice(span.start, span.end));
    pieces.push({ ...span, ...softSplit(text, span), orWithPrevious });
  }
  return pieces;
}
