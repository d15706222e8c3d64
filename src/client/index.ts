/**
 * What a model server or gateway embeds, published as `modelwarden/client`: the client that
 * reports inferences, labels, feedback and signals, and the in-process rollout router.
 * Dependency-free (global `fetch`, Node 20+).
 */
export {
  WardenClient,
  type FeedbackRecord,
  type InferenceRecord,
  type LabelRecord,
  type RecordKind,
  type RefusedRecord,
  type SignalsRecord,
  type WardenClientOptions,
  type WardenClientStats,
} from './warden-client.js';
export {
  WardenRouter,
  type RouteDecision,
  type RouteEntry,
  type WardenRouterOptions,
} from './warden-router.js';
