/** IANA time zone names as written ("europe/paris") to their canonical spelling ("Europe/Paris"). */

let known: Map<string, string> | undefined;

function knownZones(): Map<string, string> {
  if (!known) {
    known = new Map();
    // Intl lists canonical names only (e.g. Asia/Calcutta, not Asia/Kolkata); the rest are cased by rule.
    for (const tz of [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'GMT', 'Asia/Kolkata', 'Europe/Kyiv', 'America/Nuuk']) {
      known.set(tz.toLowerCase(), tz);
    }
  }
  return known;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function canonicalTimeZone(text: string): string | undefined {
  const hit = knownZones().get(text.toLowerCase());
  if (hit) return hit;
  if (!/^[a-z]+(?:\/[a-z0-9_+-]+){1,2}$/i.test(text) || !isTimeZone(text)) return undefined;
  return text
    .split('/')
    .map((part) => part.replace(/(^|[_-])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase()))
    .join('/');
}
