/**
 * The ports a handler may use. Implementations live in src/store, src/platform and src/server;
 * tools and resources import only these types.
 */
import type { SendTimeRepo } from './sendtime/repo.js';
import type { AgentRepo } from './agent/repo.js';
import type { JourneyRepo } from './journeys/repo.js';
import type { ExperimentRepo } from './experiments/repo.js';
import type { AttributionRepo } from './metrics/attribution.js';
import type { MetricsRepo } from './metrics/repo.js';
import type { EngagementRepo, TrackingKeyRepo } from './tracking/engagement.js';
import type { LedgerRepo } from './delivery/ports.js';
import type { ScheduleRepo } from './delivery/schedule.js';
import type { SuppressionRepo } from './delivery/suppressions.js';
import type { EventRepo } from './events.js';
import type { JobQueue } from './jobs.js';
import type { ScoreRepo } from './scores/repo.js';
import type { SegmentRepo } from './segments/repo.js';
import type { PersonalizationCacheRepo, TemplateRepo } from './templates/repo.js';
import type { UserRepo } from './users.js';
import type {
  Campaign,
  CampaignDefinition,
  CampaignStatus,
  CampaignType,
  Channel,
  LifecycleAction,
} from './campaign.js';

export type Scope = 'read' | 'write' | 'send';
export const SCOPES: readonly Scope[] = ['read', 'write', 'send'];

/** Who is calling: bound to one workspace, with the scopes of its token. */
export interface Principal {
  /** Stable, non-secret name for the audit log, e.g. "token:viewer" or "local". */
  actor: string;
  workspaceId: string;
  scopes: ReadonlySet<Scope>;
  /** Set when the caller is the campaign agent: its mutating calls pass the server's guardrails (src/agent/gate.ts). */
  agent?: { decisionId: string };
}

export interface Clock {
  now(): Date;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface CampaignListFilter {
  status?: CampaignStatus;
  type?: CampaignType;
  channel?: Channel;
  /** Case-insensitive substring of the name. */
  search?: string;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Ledger rows of a campaign by outcome (every schedule and occurrence). */
export interface CampaignCounters {
  /** Every ledger row: each person a send selected. */
  targeted: number;
  /** Still to go: queued, waiting for quiet hours to end, or being sent. */
  queued: number;
  /** Handed to the provider (delivered included). */
  sent: number;
  delivered: number;
  failed: number;
  /** Left out for consent: no consent, on the suppression list, inactive account. */
  suppressed: number;
  /** Left out by a rule: frequency cap, no address, quiet-hours deadline, budget. */
  skipped: number;
  /** Cancelled with their schedule before they went out. */
  cancelled: number;
}

export interface CampaignRepo {
  create(workspaceId: string, def: CampaignDefinition, actor: string): Promise<Campaign>;
  /** Replaces a draft's definition; `not_found` or `invalid_transition` (not a draft) otherwise. */
  updateDraft(workspaceId: string, id: string, def: CampaignDefinition, actor: string): Promise<Campaign>;
  get(workspaceId: string, id: string): Promise<Campaign | null>;
  list(workspaceId: string, filter: CampaignListFilter): Promise<Page<Campaign>>;
  /** Applies a lifecycle action atomically (optimistic on `version`); throws DomainError. */
  transition(workspaceId: string, id: string, action: LifecycleAction, actor: string, reason?: string): Promise<Campaign>;
  counters(workspaceId: string, id: string): Promise<CampaignCounters>;
  /** Ids (and names) starting with `prefix`, for completion. */
  completeIds(workspaceId: string, prefix: string, limit: number): Promise<string[]>;
  segmentExists(workspaceId: string, segmentId: string): Promise<boolean>;
}

export interface AuditEntry {
  workspaceId: string;
  actor: string;
  action: string;
  targetType?: string;
  targetId?: string;
  inputDigest: string;
  result: 'ok' | 'error';
  detail: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
}

export interface AuditRepo {
  record(entry: AuditEntry): Promise<void>;
  list(workspaceId: string, limit: number): Promise<AuditRecord[]>;
}

export interface WorkspaceRepo {
  ensure(id: string, name?: string): Promise<void>;
  listIds(): Promise<string[]>;
}

/** Incoming messages that could not be used, kept with why. */
export interface DeadLetter {
  source: string;
  subject: string;
  streamSeq?: number | null;
  reason: string;
  payload: string;
  receivedAt: Date;
}

export interface DeadLetterRepo {
  /** Stores them; a message already stored (same source, subject and stream sequence) is skipped. Returns how many were new. */
  add(entries: readonly DeadLetter[]): Promise<number>;
  list(o: { source?: string; limit: number }): Promise<Array<DeadLetter & { id: string }>>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly workspaces: WorkspaceRepo;
  readonly campaigns: CampaignRepo;
  readonly audit: AuditRepo;
  readonly segments: SegmentRepo;
  readonly events: EventRepo;
  readonly users: UserRepo;
  readonly scores: ScoreRepo;
  readonly ledger: LedgerRepo;
  readonly schedules: ScheduleRepo;
  readonly suppressions: SuppressionRepo;
  readonly jobs: JobQueue;
  readonly templates: TemplateRepo;
  readonly personalizationCache: PersonalizationCacheRepo;
  readonly engagement: EngagementRepo;
  readonly trackingKeys: TrackingKeyRepo;
  readonly metrics: MetricsRepo;
  readonly attribution: AttributionRepo;
  readonly experiments: ExperimentRepo;
  readonly journeys: JourneyRepo;
  readonly deadLetters: DeadLetterRepo;
  readonly sendTime: SendTimeRepo;
  readonly agent: AgentRepo;
  close(): Promise<void>;
}
