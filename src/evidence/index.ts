/**
 * Evidence packs: a zip of documents and raw records mapped to a framework's items (EU AI Act,
 * SR 26-2 / 11-7, NIST AI RMF, ISO 42001), signed, with RFC 6962 inclusion proofs of the audit
 * entries it cites; verified offline by `warden evidence verify`.
 */
export { registerEvidenceRoutes, EVIDENCE_ROLES } from './evidence.routes.js';
export { registerEvidenceCommands } from './evidence.command.js';
export { verifyPack, readTrustedKey, type PackVerdict } from './pack-verify.js';
export { FRAMEWORKS, FRAMEWORK_ITEMS, type Framework } from './framework-maps.js';
export type { PackManifest } from './pack-manifest.js';
