import { createAuditLog } from '../audit/audit.service.js';
import { loadAuditSigner } from '../audit/audit-signer.js';
import { createWitness } from '../audit/audit-witness.js';
import type { Config } from '../config/config.js';
import { openStore } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { AppContext } from '../http/context.js';
import { DenialLog } from '../http/denials.js';
import { checkArtifactStoreIdentity, openArtifactStore } from '../registry/artifact-store-identity.js';
import { CHANGE_REQUEST_REACTIONS, MONITOR_REACTIONS, VERSION_REACTIONS } from './reactions.js';

/** Opens the store, brings its schema up to date and wires the services a server needs. */
export async function createServices(
  config: Config,
  now: () => Date = () => new Date(),
): Promise<AppContext> {
  const store = openStore(config);
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const artifacts = openArtifactStore(config);
  try {
    await checkArtifactStoreIdentity(store.db, artifacts, now());
  } catch (error) {
    await store.close();
    throw error;
  }
  const signer = loadAuditSigner(config.dataDir, config.auditSigningKey, config.auditOrigin);
  const witness = createWitness({ dir: config.auditWitnessDir, url: config.auditWitnessUrl });
  const audit = createAuditLog(store, signer, { checkpointEvery: config.auditCheckpointEvery, now, witness });
  return {
    config,
    store,
    db: store.db,
    audit,
    denials: new DenialLog({
      db: store.db,
      audit,
      now,
      flushSeconds: config.denialFlushSeconds,
      anonymousPerMinute: config.anonymousRequestsPerMinute,
    }),
    artifacts,
    now,
    monitorReactions: MONITOR_REACTIONS,
    changeRequestReactions: CHANGE_REQUEST_REACTIONS,
    versionReactions: VERSION_REACTIONS,
  };
}
