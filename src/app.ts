/**
 * Builds the process-wide context from configuration: opens the store (migrating it), makes sure
 * the workspaces named by the configuration exist, and wires the ports.
 */
import type { Config } from './config.js';
import { systemClock, type AppContext } from './context.js';
import { SCOPES, type Clock, type Logger, type Principal } from './domain/ports.js';
import { platformSources } from './platform/index.js';
import { createSegmentInterpreter } from './platform/llm/claude-segment-interpreter.js';
import { openStore, type OpenedStore } from './store/open.js';

export interface App {
  ctx: AppContext;
  store: OpenedStore;
  close(): Promise<void>;
}

export async function buildApp(config: Config, deps: { log: Logger; clock?: Clock }): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const store = await openStore({ databaseUrl: config.DATABASE_URL, clock, log: deps.log });
  const workspaces = new Set([config.DEFAULT_WORKSPACE, ...config.tokens.map((t) => t.workspaceId)]);
  for (const id of workspaces) await store.workspaces.ensure(id);
  const ctx: AppContext = {
    store,
    clock,
    log: deps.log,
    settings: { sendsEnabled: config.SENDS_ENABLED, readOnly: config.READ_ONLY, defaultWorkspace: config.DEFAULT_WORKSPACE },
    interpreters: { segments: createSegmentInterpreter(config) },
    platform: platformSources(config, store),
  };
  return { ctx, store, close: () => store.close() };
}

/** The caller over stdio (or an unauthenticated loopback HTTP client): the local operator. */
export function localPrincipal(workspaceId: string): Principal {
  return { actor: 'local', workspaceId, scopes: new Set(SCOPES) };
}
