/** Literal values in trait and property conditions: quoted text, one word, a number, true/false. */

/** Quoted text (up to 200 characters) or a single word with no spaces. */
export const VALUE = String.raw`"[^"]{1,200}"|'[^']{1,200}'|[\w@./+:%-]{1,200}`;

export type Scalar = string | number | boolean;

export function readValue(text: string): Scalar {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  if (quoted) return quoted[2]!;
  if (/^-?\d+(?:\.\d+)?$/.test(text) && Number.isFinite(Number(text)) && Math.abs(Number(text)) <= 1e15) return Number(text);
  if (/^(?:true|yes)$/i.test(text)) return true;
  if (/^(?:false|no)$/i.test(text)) return false;
  return text;
}

/** Splits "a, b or c" (and "a/b" unless `slash` is false) into its items. */
export function listItems(text: string, slash = true): string[] {
  return text
    .split(slash ? /\s*(?:,\s*(?:or|and)\s+|,\s*|\s+or\s+|\s+and\s+|\s*\/\s*)\s*/i : /\s*(?:,\s*(?:or|and)\s+|,\s*|\s+or\s+|\s+and\s+)\s*/i)
    .map((s) => s.trim())
    .filter(Boolean);
}
