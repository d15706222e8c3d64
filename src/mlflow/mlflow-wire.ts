import type { Context } from 'hono';
import { invalidParameter } from './mlflow.errors.js';

/**
 * One MLflow request message, read as MLflow's client sends it: for GET, the query string (a list
 * field repeats its key); for every other method (DELETE too), a JSON object body.
 */
export type RequestMessage = Record<string, unknown>;

export async function readMessage(c: Context, listFields: readonly string[]): Promise<RequestMessage> {
  if (c.req.method === 'GET') {
    const params = new URL(c.req.url).searchParams;
    const message: RequestMessage = {};
    for (const key of new Set(params.keys()))
      message[key] = listFields.includes(key) ? params.getAll(key) : params.get(key);
    return message;
  }
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidParameter('the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidParameter('the request body must be a JSON object');
  return body as RequestMessage;
}

const missing = (field: string) =>
  invalidParameter(
    `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
  );

/** A string field; `required` refuses it absent or empty, as MLflow's `_validate_required` does. */
export function stringField(message: RequestMessage, field: string, required: true, max?: number): string;
export function stringField(
  message: RequestMessage,
  field: string,
  required: false,
  max?: number,
): string | undefined;
export function stringField(
  message: RequestMessage,
  field: string,
  required: boolean,
  max = 5000,
): string | undefined {
  const value = message[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw missing(field);
    return undefined;
  }
  // Numbers are accepted for string fields such as `version` (protobuf JSON parsers do the same).
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string')
    throw invalidParameter(`Invalid value for parameter '${field}': expected a string`);
  if (text.length > max)
    throw invalidParameter(`Invalid value for parameter '${field}': longer than ${max} characters`);
  return text;
}

/** A version number field: MLflow sends it as a string of digits. */
export function versionField(message: RequestMessage, field = 'version'): number {
  const text = stringField(message, field, true);
  if (!/^[1-9]\d{0,9}$/.test(text))
    throw invalidParameter(`Invalid value for parameter '${field}': "${text}" is not a version number`);
  return Number(text);
}

/** An int64 field, given as a JSON number or a string of digits (GET query values are strings). */
export function integerField(message: RequestMessage, field: string): number | undefined {
  const value = message[field];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number))
    throw invalidParameter(`Invalid value for parameter '${field}': expected an integer`);
  return number;
}

/** A bool field; protobuf JSON also accepts the strings "true" and "false". */
export function booleanField(message: RequestMessage, field: string, required: boolean): boolean | undefined {
  const value = message[field];
  if (value === undefined || value === null) {
    if (required) throw missing(field);
    return undefined;
  }
  if (value === true || value === 'true' || value === 'True') return true;
  if (value === false || value === 'false' || value === 'False') return false;
  throw invalidParameter(`Invalid value for parameter '${field}': expected true or false`);
}

/** A repeated string field. */
export function stringListField(message: RequestMessage, field: string): string[] {
  const value = message[field];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string'))
    throw invalidParameter(`Invalid value for parameter '${field}': expected a list of strings`);
  return list;
}

/** A repeated `{key, value}` field (tags). */
export function tagListField(message: RequestMessage, field = 'tags'): Array<{ key: string; value: string }> {
  const value = message[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw invalidParameter(`Invalid value for parameter '${field}': expected a list`);
  return value.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null)
      throw invalidParameter(`Invalid value for parameter '${field}[${i}]': expected {key, value}`);
    const tag = entry as Record<string, unknown>;
    return {
      key: stringField(tag, 'key', true),
      value: stringField(tag, 'value', false) ?? '',
    };
  });
}
