/** Webhooks: subscriptions, a transactional outbox, and signed delivery with retries. */
export { enqueueEvent, type OutboundEvent } from './webhook.service.js';
export { deliverDueWebhooks, webhookDeliveryTask } from './webhook.delivery.js';
export { registerWebhookRoutes } from './webhook.routes.js';
export { registerWebhookCommands } from './webhook.command.js';
export {
  signWebhook,
  standardWebhookSecret,
  verifyWebhookSignature,
  webhookSignatureHeaders,
} from './webhook-signature.js';
export { postOutbound, type Resolver } from './outbound-request.js';
export { WEBHOOK_EVENTS, type WebhookEvent } from './webhook.schema.js';
