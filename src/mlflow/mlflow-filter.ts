/**
 * MLflow's search grammar for the registry (mlflow/utils/search_utils.py), pure: comparisons
 * joined by AND (no OR, no parentheses), on attributes, `tags.<key>` (a key with dots or spaces in
 * backticks or double quotes), with quoted string values and numeric ones for version numbers
 * and timestamps.
 */

export type FilterEntity = 'models' | 'versions';
export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN';

export type FilterClause =
  | { kind: 'attribute'; key: string; comparator: Comparator; value: string | number | string[] }
  | { kind: 'tag'; key: string; comparator: Comparator; value: string };

/** What a clause is tested against: a registered model or a model version, as MLflow names its fields. */
export interface FilterSubject {
  name: string;
  tags: Readonly<Record<string, string>>;
  run_id?: string | null;
  source_path?: string;
  version_number?: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

/** A filter MLflow would refuse, with the reason. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const STRING_ATTRIBUTES: Record<FilterEntity, readonly string[]> = {
  models: ['name'],
  versions: ['name', 'run_id', 'source_path'],
};
const NUMERIC_ATTRIBUTES: Record<FilterEntity, readonly string[]> = {
  models: ['creation_timestamp', 'last_updated_timestamp'],
  versions: ['version_number', 'creation_timestamp', 'last_updated_timestamp'],
};
const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '<', '<=', '>', '>='];

type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string; quote: '"' | "'" }
  | { t: 'number'; v: number }
  | { t: 'op'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new FilterError(`unterminated ${ch} quote at position ${i}`);
        if (text[j] === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (text[j] === ch) {
          if (text[j + 1] === ch) {
            value += ch;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      i = j + 1;
      // A backtick-quoted part belongs to the identifier before it (`tags.`key``).
      const last = tokens[tokens.length - 1];
      if (ch === '`' || (ch === '"' && last?.t === 'ident' && last.v.endsWith('.'))) {
        if (last?.t === 'ident' && last.v.endsWith('.')) last.v += value;
        else tokens.push({ t: 'ident', v: value });
      } else tokens.push({ t: 'string', v: value, quote: ch });
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(text.slice(i))?.[1];
    if (op) {
      tokens.push({ t: 'op', v: op === '<>' ? '!=' : op });
      i += op.length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ t: 'punct', v: ch });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?(?![A-Za-z_])/.exec(text.slice(i))?.[0];
    if (num) {
      tokens.push({ t: 'number', v: Number(num) });
      i += num.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))?.[0];
    if (word) {
      tokens.push({ t: 'ident', v: word });
      i += word.length;
      continue;
    }
    throw new FilterError(`unexpected character "${ch}" at position ${i}`);
  }
  return tokens;
}

function comparatorOf(token: Token | undefined, next: Token | undefined): [Comparator, number] {
  if (token?.t === 'op') return [token.v as Comparator, 1];
  if (token?.t === 'ident') {
    const upper = token.v.toUpperCase();
    if (upper === 'LIKE' || upper === 'ILIKE' || upper === 'IN') return [upper, 1];
    if (upper === 'NOT' && next?.t === 'ident' && next.v.toUpperCase() === 'IN')
      throw new FilterError('NOT IN is not supported; use IN');
  }
  throw new FilterError(`expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)`);
}

/** Parses a filter string; an empty one matches everything. Throws {@link FilterError}. */
export function parseFilter(text: string | undefined, entity: FilterEntity): FilterClause[] {
  if (text === undefined || text.trim() === '') return [];
  const tokens = tokenize(text);
  const clauses: FilterClause[] = [];
  let i = 0;
  for (;;) {
    const ident = tokens[i];
    if (ident?.t !== 'ident')
      throw new FilterError(`expected an attribute or tags.<key> at clause ${clauses.length + 1}`);
    const [comparator, width] = comparatorOf(tokens[i + 1], tokens[i + 2]);
    i += 1 + width;
    const tagMatch = /^tags?\.(.+)$/i.exec(ident.v);
    if (tagMatch) {
      const value = tokens[i++];
      if (value?.t !== 'string')
        throw new FilterError(`tag ${tagMatch[1]!} must be compared with a quoted string`);
      if (!STRING_COMPARATORS.includes(comparator))
        throw new FilterError(`tags take =, !=, LIKE or ILIKE, not ${comparator}`);
      clauses.push({ kind: 'tag', key: tagMatch[1]!, comparator, value: value.v });
    } else {
      const key = ident.v.replace(/^attributes?\./i, '');
      if (STRING_ATTRIBUTES[entity].includes(key)) {
        if (comparator === 'IN') {
          if (key !== 'run_id') throw new FilterError(`IN is supported for run_id only`);
          if (tokens[i]?.t !== 'punct' || tokens[i]!.v !== '(')
            throw new FilterError("IN takes a list: ('a', 'b')");
          i++;
          const values: string[] = [];
          for (;;) {
            const v = tokens[i++];
            if (v?.t !== 'string') throw new FilterError('IN lists hold quoted strings');
            values.push(v.v);
            const sep = tokens[i++];
            if (sep?.t === 'punct' && sep.v === ')') break;
            if (sep?.t !== 'punct' || sep.v !== ',') throw new FilterError('IN list: expected , or )');
          }
          clauses.push({ kind: 'attribute', key, comparator, value: values });
        } else {
          const value = tokens[i++];
          if (value?.t !== 'string') throw new FilterError(`${key} must be compared with a quoted string`);
          if (!STRING_COMPARATORS.includes(comparator))
            throw new FilterError(`${key} takes =, !=, LIKE or ILIKE, not ${comparator}`);
          clauses.push({ kind: 'attribute', key, comparator, value: value.v });
        }
      } else if (NUMERIC_ATTRIBUTES[entity].includes(key)) {
        const value = tokens[i++];
        const number =
          value?.t === 'number'
            ? value.v
            : value?.t === 'string' && /^-?\d+$/.test(value.v)
              ? Number(value.v)
              : NaN;
        if (!Number.isFinite(number)) throw new FilterError(`${key} must be compared with a number`);
        if (!NUMERIC_COMPARATORS.includes(comparator))
          throw new FilterError(`${key} takes =, !=, <, <=, > or >=, not ${comparator}`);
        clauses.push({ kind: 'attribute', key, comparator, value: number });
      } else {
        const valid = [...STRING_ATTRIBUTES[entity], ...NUMERIC_ATTRIBUTES[entity], 'tags.<key>'];
        throw new FilterError(`invalid attribute "${key}"; valid: ${valid.join(', ')}`);
      }
    }
    if (i >= tokens.length) return clauses;
    const joiner = tokens[i++];
    if (joiner?.t !== 'ident' || joiner.v.toUpperCase() !== 'AND')
      throw new FilterError(
        joiner?.t === 'ident' && joiner.v.toUpperCase() === 'OR'
          ? 'OR is not supported; clauses are joined with AND'
          : 'clauses are joined with AND',
      );
  }
}

/** SQL LIKE as a regular expression: `%` any run, `_` any one character. */
function likeToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}

export function compareStrings(actual: string, comparator: Comparator, expected: string): boolean {
  switch (comparator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case 'LIKE':
      return likeToRegExp(expected, false).test(actual);
    case 'ILIKE':
      return likeToRegExp(expected, true).test(actual);
    default:
      return false;
  }
}

function compareNumbers(actual: number, comparator: Comparator, expected: number): boolean {
  switch (comparator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    default:
      return false;
  }
}

/** Prompts are registered models tagged so; a model without the tag counts as `'false'`. */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/** True when the subject meets every clause. */
export function matchesFilter(clauses: readonly FilterClause[], subject: FilterSubject): boolean {
  return clauses.every((clause) => {
    if (clause.kind === 'tag') {
      const actual = subject.tags[clause.key] ?? (clause.key === PROMPT_TAG ? 'false' : undefined);
      return actual !== undefined && compareStrings(actual, clause.comparator, clause.value);
    }
    const actual = subject[clause.key as keyof FilterSubject];
    if (clause.comparator === 'IN')
      return typeof actual === 'string' && (clause.value as string[]).includes(actual);
    if (typeof clause.value === 'number')
      return typeof actual === 'number' && compareNumbers(actual, clause.comparator, clause.value);
    return typeof actual === 'string' && compareStrings(actual, clause.comparator, clause.value as string);
  });
}

export interface OrderKey {
  key: string;
  descending: boolean;
}

const ORDER_KEYS: Record<FilterEntity, readonly string[]> = {
  models: ['name', 'creation_timestamp', 'last_updated_timestamp'],
  versions: ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'],
};

/**
 * Parses `order_by` entries (`name`, `version_number DESC`, …) and appends MLflow's tie-breaks:
 * `name ASC` for models; `name ASC, version_number DESC` for versions.
 */
export function parseOrderBy(entries: readonly string[], entity: FilterEntity): OrderKey[] {
  const keys: OrderKey[] = entries.map((entry) => {
    const match = /^\s*(?:attributes?\.)?([A-Za-z_]+)(?:\s+(ASC|DESC))?\s*$/i.exec(entry);
    if (!match || !ORDER_KEYS[entity].includes(match[1]!))
      throw new FilterError(
        `invalid order_by "${entry}"; use one of ${ORDER_KEYS[entity].join(', ')} with ASC or DESC`,
      );
    return { key: match[1]!, descending: match[2]?.toUpperCase() === 'DESC' };
  });
  const ties: OrderKey[] =
    entity === 'models'
      ? [{ key: 'name', descending: false }]
      : [
          { key: 'name', descending: false },
          { key: 'version_number', descending: true },
        ];
  for (const tie of ties) if (!keys.some((k) => k.key === tie.key)) keys.push(tie);
  return keys;
}

/** Compares two subjects by the order keys. */
export function compareByOrder(keys: readonly OrderKey[], a: FilterSubject, b: FilterSubject): number {
  for (const { key, descending } of keys) {
    const x = a[key as keyof FilterSubject] as string | number;
    const y = b[key as keyof FilterSubject] as string | number;
    const order = x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return descending ? -order : order;
  }
  return 0;
}
