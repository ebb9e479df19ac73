/**
 * The time zones simulated people live in (weights are relative). Chosen to exercise what
 * local-time logic gets wrong: half-hour and 45-minute offsets (Asia/Kolkata, Asia/Kathmandu,
 * Australia/Adelaide, America/St_Johns), DST in both hemispheres (Europe, North America,
 * Australia/Sydney), zones without DST and UTC itself.
 */
export interface SimZone {
  readonly tz: string;
  readonly weight: number;
  /** ISO 3166 alpha-2; null for people who only told us "UTC". */
  readonly country: string | null;
  readonly locale: string;
}

export const SIM_ZONES: readonly SimZone[] = [
  { tz: 'America/New_York', weight: 12, country: 'US', locale: 'en' },
  { tz: 'America/Chicago', weight: 5, country: 'US', locale: 'en' },
  { tz: 'America/Los_Angeles', weight: 8, country: 'US', locale: 'en' },
  { tz: 'America/St_Johns', weight: 2, country: 'CA', locale: 'en' },
  { tz: 'America/Sao_Paulo', weight: 5, country: 'BR', locale: 'pt-BR' },
  { tz: 'America/Mexico_City', weight: 3, country: 'MX', locale: 'es' },
  { tz: 'Europe/London', weight: 7, country: 'GB', locale: 'en' },
  { tz: 'Europe/Paris', weight: 5, country: 'FR', locale: 'fr' },
  { tz: 'Europe/Berlin', weight: 5, country: 'DE', locale: 'de' },
  { tz: 'Europe/Madrid', weight: 3, country: 'ES', locale: 'es' },
  { tz: 'Africa/Lagos', weight: 2, country: 'NG', locale: 'en' },
  { tz: 'Asia/Dubai', weight: 1, country: 'AE', locale: 'ar' },
  { tz: 'Asia/Kolkata', weight: 9, country: 'IN', locale: 'en' },
  { tz: 'Asia/Kathmandu', weight: 2, country: 'NP', locale: 'en' },
  { tz: 'Asia/Jakarta', weight: 3, country: 'ID', locale: 'id' },
  { tz: 'Asia/Singapore', weight: 2, country: 'SG', locale: 'en' },
  { tz: 'Asia/Tokyo', weight: 4, country: 'JP', locale: 'ja' },
  { tz: 'Australia/Adelaide', weight: 2, country: 'AU', locale: 'en' },
  { tz: 'Australia/Sydney', weight: 3, country: 'AU', locale: 'en' },
  { tz: 'Pacific/Auckland', weight: 1, country: 'NZ', locale: 'en' },
  { tz: 'UTC', weight: 1, country: null, locale: 'en' },
];
