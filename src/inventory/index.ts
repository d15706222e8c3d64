export { registerInventoryRoutes } from './inventory.routes.js';
