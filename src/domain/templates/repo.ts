/**
 * Store ports for message templates (with their versions) and for the personalization cache,
 * which keeps what was rendered or adapted for one person (keyed by the caller, typically on the
 * template id and version, so a new version never reuses an old copy).
 */
import type { Channel } from '../campaign.js';
import type { Page } from '../ports.js';
import type { NewTemplate, Template, TemplatePatch, TemplateStatus, TemplateVersion } from './model.js';

export interface TemplateListFilter {
  channel?: Channel;
  status?: TemplateStatus;
  /** Case-insensitive substring of the name. */
  search?: string;
  limit: number;
  /** The last id of the previous page (newest first). */
  cursor?: string;
}

export interface TemplateRepo {
  /** Checks (model.ts) and saves version 1; `conflict` when the name is taken in the workspace. */
  create(workspaceId: string, input: NewTemplate, actor: string): Promise<Template>;
  /**
   * Applies the patch, checks the result and saves it as the next version. `not_found`;
   * `invalid_transition` for an archived template; `conflict` when `expectedVersion` is given and
   * is not the current version, when the template changed meanwhile, or when the new name is taken.
   */
  update(workspaceId: string, id: string, patch: TemplatePatch, actor: string, expectedVersion?: number): Promise<Template>;
  get(workspaceId: string, id: string): Promise<Template | null>;
  /** One saved version's content (the current one included). */
  getVersion(workspaceId: string, id: string, version: number): Promise<TemplateVersion | null>;
  /** Saved versions, newest first. */
  versions(workspaceId: string, id: string, limit: number): Promise<TemplateVersion[]>;
  list(workspaceId: string, filter: TemplateListFilter): Promise<Page<Template>>;
  /** Ids starting with `prefix`, newest first, for completion. */
  completeIds(workspaceId: string, prefix: string, limit: number): Promise<string[]>;
}

export type PersonalizationMode = 'render' | 'adapt';

export interface PersonalizationCacheEntry {
  cacheKey: string;
  userId: string;
  templateId?: string | null;
  templateVersion?: number | null;
  mode: PersonalizationMode;
  /** Any JSON value (not null). */
  result: unknown;
  /** Defaults to now. */
  createdAt?: Date;
  expiresAt: Date;
}

export interface PersonalizationCacheRepo {
  /** The cached result, or null when there is none or it expired at or before `now`. */
  get(workspaceId: string, cacheKey: string, now: Date): Promise<unknown | null>;
  /** Inserts or replaces the entry under its key. */
  put(workspaceId: string, entry: PersonalizationCacheEntry): Promise<void>;
  /** Forgets everything cached for a person (e.g. their profile or consent changed); returns how many entries. */
  deleteForUser(workspaceId: string, userId: string): Promise<number>;
}
