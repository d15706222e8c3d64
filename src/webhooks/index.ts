/** Webhooks: subscriptions, a transactional outbox, and signed delivery with retries. */
export { enqueueEvent, type OutboundEvent } from './webhook.service.js';
export { deliverDueWebhooks, webhookDeliveryTask } from './webhook.delivery.js';
export { registerWebhookRoutes } from './webhook.routes.js';
export { registerWebhookCommands } from './webhook.command.js';
export { signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';
export { WEBHOOK_EVENTS, type WebhookEvent } from './webhook.schema.js';
