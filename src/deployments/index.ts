/** Deployments: which version runs where, recorded by the engineers who roll it out. */
export { registerDeploymentRoutes } from './deployment.routes.js';
export { registerDeploymentCommands } from './deployment.command.js';
export { activeDeploymentsOf, handOverDeployments, type ActiveDeployment } from './deployment.service.js';
export type { Deployment } from './deployment.schema.js';
