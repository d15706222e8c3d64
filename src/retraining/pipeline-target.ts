import type { Executor } from '../db/database.js';
import { getMonitoringConfig } from '../monitoring/monitoring.results.js';

/**
 * The model's retraining pipeline webhook (`pipelineWebhookUrl` of its monitoring
 * configuration), or undefined when none is configured.
 */
export async function pipelineWebhookUrl(db: Executor, modelName: string): Promise<string | undefined> {
  const config = await getMonitoringConfig(db, modelName);
  return config.pipelineWebhookUrl;
}
