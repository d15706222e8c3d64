/** Generated governance documents: one document shape, rendered as Markdown, HTML or JSON. */
export type {
  DocumentChart,
  DocumentSection,
  DocumentTable,
  GovernanceDocument,
  SectionStatus,
} from './document.types.js';
export { emptySection, formatNumber } from './document.types.js';
export { renderMarkdown } from './document-markdown.render.js';
export { renderHtml } from './document-html.render.js';
export { negotiateFormat, sendDocument, type DocumentFormat } from './document-format.js';
