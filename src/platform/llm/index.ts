/**
 * Chooses the segment interpreter: Claude when an API key is configured, else the deterministic
 * grammar. The Claude interpreter (and the Anthropic SDK with it) is loaded only when a key is set.
 */
import type { Copywriter } from '../../domain/personalization/adapt.js';
import type { SegmentInterpreter } from '../../domain/segments/interpret.js';
import { grammarInterpreter } from '../../domain/segments/nl/parse.js';

export interface SegmentInterpreterConfig {
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  ANTHROPIC_MODEL: string;
}

/** Claude when an API key is configured, else the deterministic grammar. */
export async function createSegmentInterpreter(config: SegmentInterpreterConfig): Promise<SegmentInterpreter> {
  if (!config.ANTHROPIC_API_KEY) return grammarInterpreter;
  const { claudeSegmentInterpreter } = await import('./claude-segment-interpreter.js');
  return claudeSegmentInterpreter({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.ANTHROPIC_MODEL,
    ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
  });
}

/** Claude as the copywriter of `personalize_message` mode `adapt` when a key is configured; else none (rules only). */
export async function createCopywriter(config: SegmentInterpreterConfig): Promise<Copywriter | null> {
  if (!config.ANTHROPIC_API_KEY) return null;
  const { claudeCopywriter } = await import('./claude-copywriter.js');
  return claudeCopywriter({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.ANTHROPIC_MODEL,
    ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
  });
}
