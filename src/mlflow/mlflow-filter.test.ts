import { describe, expect, it } from 'vitest';
import {
  compareByOrder,
  FilterError,
  matchesFilter,
  parseFilter,
  parseOrderBy,
  type FilterSubject,
} from './mlflow-filter.js';

const v = (over: Partial<FilterSubject>): FilterSubject => ({
  name: 'm',
  tags: {},
  run_id: null,
  source_path: 's3://b/m',
  version_number: 1,
  creation_timestamp: 0,
  last_updated_timestamp: 0,
  ...over,
});

describe('MLflow search filters', () => {
  it('parses comparisons joined by AND, with quoted tag keys', () => {
    expect(parseFilter("name = 'a' AND tags.`my key` != 'x' and tag.\"k.2\" LIKE 'p%'", 'versions')).toEqual([
      { kind: 'attribute', key: 'name', comparator: '=', value: 'a' },
      { kind: 'tag', key: 'my key', comparator: '!=', value: 'x' },
      { kind: 'tag', key: 'k.2', comparator: 'LIKE', value: 'p%' },
    ]);
    expect(parseFilter('version_number >= 3', 'versions')).toEqual([
      { kind: 'attribute', key: 'version_number', comparator: '>=', value: 3 },
    ]);
    expect(parseFilter('', 'models')).toEqual([]);
  });

  it.each([
    ["name = 'a' OR name = 'b'", 'OR is not supported'],
    ["(name = 'a')", 'expected an attribute'],
    ["run_id = 'a'", 'invalid attribute "run_id"'],
    ['name = a', 'quoted string'],
    ["version_number = 'x'", 'with a number'],
    ["name IN ('a')", 'IN is supported for run_id only'],
    ["name = 'a", 'unterminated'],
    ["tags.k > 'a'", 'tags take'],
  ])('refuses %s', (text, reason) => {
    const entity = text.includes('run_id') ? 'models' : 'versions';
    expect(() => parseFilter(text, entity)).toThrow(FilterError);
    expect(() => parseFilter(text, entity)).toThrow(reason);
  });

  it('matches LIKE case-sensitively and ILIKE without case, % and _ as wildcards', () => {
    const like = parseFilter("name LIKE 'Ab_%'", 'models');
    expect(matchesFilter(like, v({ name: 'Abc' }))).toBe(true);
    expect(matchesFilter(like, v({ name: 'abc' }))).toBe(false);
    expect(matchesFilter(like, v({ name: 'Ab' }))).toBe(false);
    expect(matchesFilter(parseFilter("name ILIKE 'ab%'", 'models'), v({ name: 'ABX' }))).toBe(true);
    // Regular-expression characters in the pattern are literal.
    expect(matchesFilter(parseFilter("name LIKE 'a.c'", 'models'), v({ name: 'abc' }))).toBe(false);
  });

  it('treats a missing tag as no match, except the prompt marker which defaults to false', () => {
    expect(matchesFilter(parseFilter("tags.k != 'x'", 'models'), v({}))).toBe(false);
    expect(matchesFilter(parseFilter("tags.`mlflow.prompt.is_prompt` != 'true'", 'models'), v({}))).toBe(
      true,
    );
  });

  it('compares version numbers numerically and run ids by IN list', () => {
    const gt = parseFilter('version_number > 9', 'versions');
    expect(matchesFilter(gt, v({ version_number: 10 }))).toBe(true);
    expect(matchesFilter(gt, v({ version_number: 9 }))).toBe(false);
    const inList = parseFilter("run_id IN ('r1','r2')", 'versions');
    expect(matchesFilter(inList, v({ run_id: 'r2' }))).toBe(true);
    expect(matchesFilter(inList, v({ run_id: null }))).toBe(false);
  });

  it('orders with MLflow’s tie-breaks: name ascending, then version descending', () => {
    const order = parseOrderBy([], 'versions');
    const items = [
      v({ name: 'b', version_number: 1 }),
      v({ name: 'a', version_number: 1 }),
      v({ name: 'a', version_number: 2 }),
    ];
    items.sort((x, y) => compareByOrder(order, x, y));
    expect(items.map((i) => `${i.name}${i.version_number}`)).toEqual(['a2', 'a1', 'b1']);
    expect(() => parseOrderBy(['size DESC'], 'models')).toThrow('invalid order_by');
  });
});
