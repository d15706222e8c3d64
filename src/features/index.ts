export { registerFeatureRoutes } from './feature.routes.js';
export { registerFeatureCommands } from './feature.command.js';
export type { Feature } from './feature.schema.js';
