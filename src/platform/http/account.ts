/**
 * AccountSource over account_service (contracts section 4): `GET /api/v1/accounts/profile/{user_id}`.
 * There is no preferences route; timezone and language live inside `preferences`.
 */
import { z } from 'zod';
import type { AccountProfile, AccountSource } from '../../domain/platform.js';
import { PlatformError, type PlatformClient } from './client.js';

const profileResponse = z.object({
  user_id: z.string(),
  email: z.string().nullish(),
  name: z.string().nullish(),
  is_active: z.boolean(),
  preferences: z.record(z.string(), z.unknown()).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

export function httpAccountSource(client: PlatformClient): AccountSource {
  return {
    source: 'account_service',
    // The platform is single-tenant: the workspace does not reach the service.
    async getProfile(_ws, userId) {
      try {
        const r = await client.get(`/api/v1/accounts/profile/${encodeURIComponent(userId)}`, {}, profileResponse);
        return toProfile(r);
      } catch (err) {
        if (err instanceof PlatformError && err.code === 'not_found') return null;
        throw err;
      }
    },
  };
}

function toProfile(r: z.output<typeof profileResponse>): AccountProfile {
  const preferences = r.preferences ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const timezone = str(preferences.timezone);
  const locale = str(preferences.language);
  return {
    user_id: r.user_id,
    ...(r.email ? { email: r.email } : {}),
    ...(r.name ? { name: r.name } : {}),
    is_active: r.is_active,
    ...(timezone ? { timezone } : {}),
    ...(locale ? { locale } : {}),
    preferences,
    ...(r.created_at ? { created_at: r.created_at } : {}),
    ...(r.updated_at ? { updated_at: r.updated_at } : {}),
  };
}
