export { registerFeatureRoutes } from './feature.routes.js';
export { registerFeatureCommands } from './feature.command.js';
export type { Feature } from './feature.schema.js';
export { registerFeatureFreshnessRoutes } from './feature-freshness.routes.js';
export { featureFreshnessTask } from './feature-freshness.task.js';
