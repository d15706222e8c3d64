import type { AuditLog } from '../audit/audit.service.js';
import type { Role } from '../auth/roles.js';
import type { Config } from '../config/config.js';
import type { Db, Store } from '../db/database.js';
import type { DenialLog } from './denials.js';
import type { MonitorReaction } from '../monitoring/monitor-outcome.types.js';
import type { ArtifactStore } from '../registry/artifact-store.js';
import type { VersionCreatedReaction } from '../registry/version-reaction.types.js';
import type { ChangeRequestReaction } from '../workflow/change-request-reaction.types.js';

/** Everything a request handler may use; built once at start-up by `createServices`. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly db: Db;
  readonly audit: AuditLog;
  readonly artifacts: ArtifactStore;
  readonly now: () => Date;
  /** Refused requests, counted in memory and written to the audit trail once a minute. */
  readonly denials: DenialLog;
  /** What reacts to each monitor evaluation (alerts, incidents, retraining, rollouts), in order. */
  readonly monitorReactions: readonly MonitorReaction<AppContext>[];
  /** What reacts to each executed change request (MLflow aliases, reason codes), in order. */
  readonly changeRequestReactions: readonly ChangeRequestReaction<AppContext>[];
  /** What reacts to each newly registered version (MLflow numbering), in order. */
  readonly versionReactions: readonly VersionCreatedReaction<AppContext>[];
}

/** The caller, as identified by its bearer token. */
export interface Principal {
  tokenId: string;
  name: string;
  roles: Role[];
}

export interface WardenEnv {
  Variables: {
    requestId: string;
    /** Set by the access guard on every non-public route. */
    principal: Principal;
    /** Set when the caller signed in through the dashboard (session cookie) rather than a bearer token. */
    session: { id: string; csrfToken: string; expiresAt: string } | undefined;
    /** The matched route's declaration (its metrics label among it), set by the access guard. */
    route: { readonly template: string } | undefined;
  };
}
