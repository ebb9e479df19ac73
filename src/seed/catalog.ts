/** Static shapes the synthetic population is drawn from (weights are relative, not percentages). */
import { cumulate } from './rng.js';

export const TIERS = ['free', 'pro', 'max', 'team', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER_CUMULATIVE = cumulate([62, 22, 8, 6, 2]);
export const MONTHLY_CREDITS: Readonly<Record<Tier, number>> = {
  free: 1_000_000,
  pro: 30_000_000,
  max: 100_000_000,
  team: 50_000_000,
  enterprise: 200_000_000,
};

export interface Zone {
  readonly tz: string;
  readonly weight: number;
  /** ISO 3166 alpha-2; null for users who only told us "UTC". */
  readonly country: string | null;
  readonly locale: string;
  readonly callingCode: string;
  /**
   * Standard-time offset from UTC in minutes. DST is ignored: it only places each user's
   * preferred hour of activity, which needs to be local to within an hour, not exact.
   */
  readonly offsetMin: number;
}

export const ZONES: readonly Zone[] = [
  { tz: 'America/New_York', weight: 12, country: 'US', locale: 'en', callingCode: '1', offsetMin: -300 },
  { tz: 'America/Chicago', weight: 6, country: 'US', locale: 'en', callingCode: '1', offsetMin: -360 },
  { tz: 'America/Denver', weight: 2, country: 'US', locale: 'en', callingCode: '1', offsetMin: -420 },
  { tz: 'America/Los_Angeles', weight: 8, country: 'US', locale: 'en', callingCode: '1', offsetMin: -480 },
  { tz: 'America/Toronto', weight: 2, country: 'CA', locale: 'en', callingCode: '1', offsetMin: -300 },
  { tz: 'America/Mexico_City', weight: 3, country: 'MX', locale: 'es', callingCode: '52', offsetMin: -360 },
  { tz: 'America/Bogota', weight: 1.5, country: 'CO', locale: 'es', callingCode: '57', offsetMin: -300 },
  { tz: 'America/Sao_Paulo', weight: 5, country: 'BR', locale: 'pt-BR', callingCode: '55', offsetMin: -180 },
  { tz: 'Europe/London', weight: 7, country: 'GB', locale: 'en', callingCode: '44', offsetMin: 0 },
  { tz: 'Europe/Berlin', weight: 5, country: 'DE', locale: 'de', callingCode: '49', offsetMin: 60 },
  { tz: 'Europe/Paris', weight: 4, country: 'FR', locale: 'fr', callingCode: '33', offsetMin: 60 },
  { tz: 'Europe/Madrid', weight: 3, country: 'ES', locale: 'es', callingCode: '34', offsetMin: 60 },
  { tz: 'Europe/Amsterdam', weight: 1.5, country: 'NL', locale: 'nl', callingCode: '31', offsetMin: 60 },
  { tz: 'Europe/Warsaw', weight: 2, country: 'PL', locale: 'pl', callingCode: '48', offsetMin: 60 },
  { tz: 'Africa/Lagos', weight: 2, country: 'NG', locale: 'en', callingCode: '234', offsetMin: 60 },
  { tz: 'Africa/Cairo', weight: 1, country: 'EG', locale: 'ar', callingCode: '20', offsetMin: 120 },
  { tz: 'Africa/Johannesburg', weight: 1, country: 'ZA', locale: 'en', callingCode: '27', offsetMin: 120 },
  { tz: 'Asia/Dubai', weight: 1, country: 'AE', locale: 'ar', callingCode: '971', offsetMin: 240 },
  { tz: 'Asia/Kolkata', weight: 9, country: 'IN', locale: 'en', callingCode: '91', offsetMin: 330 },
  { tz: 'Asia/Jakarta', weight: 3, country: 'ID', locale: 'id', callingCode: '62', offsetMin: 420 },
  { tz: 'Asia/Singapore', weight: 1.5, country: 'SG', locale: 'en', callingCode: '65', offsetMin: 480 },
  { tz: 'Asia/Manila', weight: 1.5, country: 'PH', locale: 'en', callingCode: '63', offsetMin: 480 },
  { tz: 'Asia/Shanghai', weight: 4, country: 'CN', locale: 'zh', callingCode: '86', offsetMin: 480 },
  { tz: 'Asia/Seoul', weight: 2, country: 'KR', locale: 'ko', callingCode: '82', offsetMin: 540 },
  { tz: 'Asia/Tokyo', weight: 4, country: 'JP', locale: 'ja', callingCode: '81', offsetMin: 540 },
  { tz: 'Australia/Sydney', weight: 2, country: 'AU', locale: 'en', callingCode: '61', offsetMin: 600 },
  { tz: 'Pacific/Auckland', weight: 0.5, country: 'NZ', locale: 'en', callingCode: '64', offsetMin: 720 },
  { tz: 'UTC', weight: 1, country: null, locale: 'en', callingCode: '1', offsetMin: 0 },
];
export const ZONE_CUMULATIVE = cumulate(ZONES.map((z) => z.weight));

export const FIRST_NAMES = [
  'Ava', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Farid', 'Grace', 'Hiro', 'Isabel', 'Jonas',
  'Kavya', 'Liam', 'Maya', 'Noah', 'Olivia', 'Pablo', 'Quinn', 'Rosa', 'Sven', 'Tara',
  'Umar', 'Vera', 'Wei', 'Ximena', 'Yuki', 'Zoe', 'Amara', 'Lucas', 'Mina', 'Arjun',
] as const;
export const LAST_NAMES = [
  'Smith', 'Garcia', 'Müller', 'Martin', 'Rossi', 'Kowalski', 'Silva', 'Okafor', 'Patel', 'Sharma',
  'Wang', 'Li', 'Tanaka', 'Kim', 'Nguyen', 'Santos', 'Johnson', 'Brown', 'Dubois', 'Fernández',
  'Jansen', 'Hassan', 'Cohen', 'Novak', 'Andersson', 'Murphy', 'Lopez', 'Sato', 'Park', 'Ali',
] as const;

export const COMPANY_SIZES = ['1', '2-10', '11-50', '51-200', '201-1000', '1000+'] as const;
export const COMPANY_SIZE_CUMULATIVE = cumulate([30, 30, 18, 12, 7, 3]);
export const ACQUISITION_CHANNELS = ['organic', 'paid_search', 'referral', 'social', 'partner'] as const;
export const PLAN_INTERESTS = ['pro', 'max', 'team', 'enterprise'] as const;

export const PLATFORMS = ['ios', 'android', 'web'] as const;
export const PLATFORM_CUMULATIVE = cumulate([40, 35, 25]);

export const PAGE_PATHS = [
  '/', '/pricing', '/features', '/docs', '/blog', '/account', '/integrations', '/changelog', '/checkout', '/support',
] as const;
export const PAGE_PATH_CUMULATIVE = cumulate([25, 15, 12, 12, 10, 8, 6, 4, 5, 3]);

/**
 * Event types in byte order: the batch is emitted sorted by (user, type, time), which is the order
 * of the events index, so inserts append to the B-tree instead of landing at random.
 */
export const EVENT_TYPES = ['app.open', 'cart.abandoned', 'cart.add', 'page_view', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Shares in percent, aligned with EVENT_TYPES; purchase is scaled per user (see generate.ts). */
export const EVENT_SHARES = [30, 5, 12, 45, 8] as const;

/** A small product catalogue; price is a function of the SKU so carts are consistent. */
export const PRODUCT_COUNT = 200;
export const productPrice = (n: number): number => 4.99 + ((n * 37) % 150);
export const productSku = (n: number): string => `SKU-${String(n + 1).padStart(4, '0')}`;
