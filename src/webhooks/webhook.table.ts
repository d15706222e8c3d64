/** Row types of the webhook tables. Times are ISO-8601 UTC text. */
export interface WebhookSubscriptionTable {
  id: string;
  url: string;
  /** JSON array of event types, or ["*"] */
  events: string;
  /** Needed to sign deliveries; never returned by the API. */
  secret: string;
  description: string | null;
  created_at: string;
  created_by: string;
}

/** The outbox: one row per event and target, written in the transaction of the change. */
export interface WebhookDeliveryTable {
  id: string;
  /** Null for a direct target such as a consumer's webhook URL. */
  subscription_id: string | null;
  url: string;
  event_id: string;
  event_type: string;
  subject: string;
  /** The exact request body, fixed when the event is enqueued. */
  body: string;
  /** pending | delivered | dead */
  status: string;
  attempts: number;
  /** When the row is next due; while a server is delivering it, the end of its lease. */
  next_attempt_at: string;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptTable {
  id: string;
  delivery_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}
