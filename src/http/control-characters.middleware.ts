import type { Context, MiddlewareHandler } from 'hono';
import { invalidInput } from '../core/errors.js';
import { codePointName, findControlCharacter, forbiddenCharacter } from './control-characters.js';

const CONTROL_ESCAPE = /\\(?:u00[01][0-9a-fA-F]|u007[fF]|[bfnrt])/;
/**
 * What a URL needs before its decoded path or query can hold a control character: a percent escape
 * or the character itself (which the HTTP parser already refuses in a request line).
 */
// eslint-disable-next-line no-control-regex
const MAY_HOLD_CONTROL = /[%\u0000-\u001f\u007f]/;

function refuse(field: string, character: string): never {
  throw invalidInput(
    `${field} holds the control character ${codePointName(character)}, which Warden does not accept` +
      ' (tab and line breaks are allowed only in multi-line text such as descriptions and comments)',
    field,
  );
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Refuses, with 400 naming the field, a request whose decoded path or query holds a control
 * character ({@link findControlCharacter}'s rules for one-line text).
 */
export function refuseControlCharactersInUrl(c: Context): void {
  // Most URLs hold no percent escape at all: nothing to decode, so nothing to parse or walk.
  if (!MAY_HOLD_CONTROL.test(c.req.url)) return;
  const url = new URL(c.req.url);
  const pathCharacter = forbiddenCharacter(decoded(url.pathname), false);
  if (pathCharacter !== undefined) refuse('path', pathCharacter);
  for (const [key, value] of url.searchParams) {
    const character = forbiddenCharacter(key, false) ?? forbiddenCharacter(value, false);
    if (character !== undefined) refuse(key, character);
  }
}

/**
 * Refuses, with 400 naming the field, a request whose path, query or JSON body holds a control
 * character its field may not hold ({@link findControlCharacter}); the same answer on every
 * store, before anything is written.
 */
export const refuseControlCharacters: MiddlewareHandler = async (c, next) => {
  refuseControlCharactersInUrl(c);
  const read = c.req.method === 'GET' || c.req.method === 'HEAD';
  const type = c.req.header('content-type') ?? '';
  if (!read && type.startsWith('application/json')) {
    // JSON text cannot hold a raw control character inside a string, only an escape of one; most
    // bodies have none, and are neither parsed twice nor walked.
    const text = await c.req.text();
    if (!CONTROL_ESCAPE.test(text)) return next();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return next(); // malformed JSON is the request validator's to name
    }
    const finding = findControlCharacter(body);
    if (finding) refuse(finding.field, finding.character);
  }
  return next();
};
