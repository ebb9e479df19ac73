/**
 * Every recogniser, in the order they are tried; the first whose pattern matches the whole
 * clause decides. Specific phrasings come before general ones (scores before RFM labels,
 * subscription statuses before tiers, snake_case traits and undefined labels last).
 */
import type { Pattern } from '../types.js';
import { behaviourPatterns } from './behaviour.js';
import { engagementPatterns } from './engagement.js';
import { labelPatterns } from './labels.js';
import { profilePatterns } from './profile.js';
import { scorePatterns } from './scores.js';
import { subscriptionPatterns } from './subscription.js';
import { traitPatterns } from './traits.js';

export const PATTERNS: readonly Pattern[] = [
  ...scorePatterns,
  ...subscriptionPatterns,
  ...engagementPatterns,
  ...behaviourPatterns,
  ...profilePatterns,
  ...traitPatterns,
  ...labelPatterns,
];
