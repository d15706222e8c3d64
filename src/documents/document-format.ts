import type { Context } from 'hono';
import { invalidInput } from '../core/errors.js';
import { renderHtml } from './document-html.render.js';
import { renderMarkdown } from './document-markdown.render.js';
import type { GovernanceDocument } from './document.types.js';

export const DOCUMENT_FORMATS = ['json', 'md', 'html'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/**
 * The format a caller asked for: `?format=` first, else the Accept header (text/markdown,
 * text/html, application/json), else JSON.
 */
export function negotiateFormat(query: string | undefined, accept: string | undefined): DocumentFormat {
  if (query !== undefined) {
    const q = query === 'markdown' ? 'md' : query;
    if (!(DOCUMENT_FORMATS as readonly string[]).includes(q))
      throw invalidInput(`format must be one of ${DOCUMENT_FORMATS.join(', ')} (got "${query}")`, 'format');
    return q as DocumentFormat;
  }
  const a = (accept ?? '').toLowerCase();
  if (a.includes('text/markdown')) return 'md';
  if (a.includes('text/html')) return 'html';
  return 'json';
}

/** Answers with the document in the format: Markdown or HTML rendered from it, or the JSON given. */
export function sendDocument(
  c: Context,
  format: DocumentFormat,
  doc: GovernanceDocument,
  json: unknown,
): Response {
  if (format === 'md')
    return c.body(renderMarkdown(doc), 200, { 'content-type': 'text/markdown; charset=utf-8' });
  if (format === 'html') return c.body(renderHtml(doc), 200, { 'content-type': 'text/html; charset=utf-8' });
  return c.json(json as object, 200);
}
