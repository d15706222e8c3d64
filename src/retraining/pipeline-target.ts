import type { Executor } from '../db/database.js';

/**
 * The model's retraining pipeline webhook, from its monitoring configuration, or undefined when
 * none is configured.
 */
export async function pipelineWebhookUrl(_db: Executor, _modelName: string): Promise<string | undefined> {
  return Promise.resolve(undefined);
}
