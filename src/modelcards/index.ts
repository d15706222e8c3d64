/**
 * Model cards generated from what Warden recorded, with the sections only people can write
 * (intended use, limitations, ethical considerations) kept with their history, the tier's
 * template deciding which sections are required, and review reminders.
 */
export { registerModelCardRoutes } from './model-card.routes.js';
export { registerModelCardCommands } from './model-card.command.js';
export { generateModelCard } from './model-card.service.js';
export { modelCardDocument, type ModelCard } from './model-card.build.js';
export { modelCardReminderTask, raiseCardReminders } from './model-card-reminder.task.js';
