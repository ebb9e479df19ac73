/**
 * The variables a message template may use, by root name. Sends and `personalize_message` give a
 * template the person's profile (flat and under `user`), their subscription, predictive scores,
 * last purchase, activity and memories, the campaign, and the template's own `template_vars`.
 *
 * Delivery renders the profile variables for every message at send time; the others come from
 * the user 360 and are filled by `personalize_message` and `preview_template`.
 */
/** Profile fields every message may use (also under `user.*`). */
export const PROFILE_VARIABLES = ['user_id', 'user_name', 'first_name', 'email', 'tier', 'country', 'locale', 'timezone'] as const;

/** Root names beyond the profile, with what each holds (shown in errors and tool descriptions). */
export const CONTEXT_VARIABLES = {
  user: 'the profile fields again, under user.* (user.first_name, user.tier, ...)',
  subscription: 'subscription.tier, .status, .credits_remaining, .is_trial',
  scores: 'scores.churn_risk (0-1), .predicted_ltv, .expected_purchases_90d, .rfm_segment',
  last_purchase: 'last_purchase.at, .value, .product (when the person has purchased)',
  activity: 'activity.last_seen, .total_events',
  preferences: 'preferences.<subject>: what the person stated (from memory facts), e.g. preferences.favorite_category',
  memories: 'memories: a list of {subject, predicate, value, content} facts, for loops',
  campaign: 'campaign.id, campaign.name (when rendered for a campaign)',
} as const;

export const TEMPLATE_VARIABLES: readonly string[] = [...PROFILE_VARIABLES, ...Object.keys(CONTEXT_VARIABLES)];

/** Variables the template uses that no person, campaign or template variable provides. */
export function unknownVariables(used: readonly string[], templateVars: Record<string, unknown> = {}): string[] {
  const known = new Set<string>([...TEMPLATE_VARIABLES, ...Object.keys(templateVars)]);
  return [...new Set(used.filter((v) => !known.has(v)))];
}
