import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { codePointName, findControlCharacter, isMultiLineField } from './control-characters.js';

describe('control characters in request text', () => {
  it('finds the first forbidden character in document order, naming its path as zod does', () => {
    expect(findControlCharacter({ a: 'x', b: ['ok', 'b\u0001d'], c: 'c\u0000' })).toEqual({
      field: 'b.1',
      character: '\u0001',
    });
    expect(findControlCharacter({ tags: { 'te\u001bam': 'x' } })).toEqual({
      field: 'tags.te\u001bam',
      character: '\u001b',
    });
    expect(findControlCharacter('top\u007f')).toEqual({ field: '(body)', character: '\u007f' });
  });

  it('allows tab and line breaks only in multi-line fields, and never NUL', () => {
    expect(findControlCharacter({ description: 'line one\nline two\ttabbed\r\n' })).toBeUndefined();
    expect(findControlCharacter({ comments: ['a\nb'] })).toBeUndefined();
    expect(findControlCharacter({ owner: 'ali\nce' })?.field).toBe('owner');
    expect(findControlCharacter({ description: 'nul\u0000' })?.field).toBe('description');
    expect(findControlCharacter({ description: 'bell\u0007' })?.character).toBe('\u0007');
    expect(isMultiLineField('reason')).toBe(true);
    expect(isMultiLineField('intendedUse')).toBe(true);
    expect(isMultiLineField('publicKey')).toBe(true);
    expect(isMultiLineField('yaml')).toBe(true);
    expect(isMultiLineField('owner')).toBe(false);
    expect(isMultiLineField('name')).toBe(false);
  });

  it('names code points the Unicode way', () => {
    expect(codePointName('\u0000')).toBe('U+0000');
    expect(codePointName('\u007f')).toBe('U+007F');
  });
});

describeEachBackend('control characters over HTTP', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  const countModels = async () =>
    Number(
      (
        await server.ctx.db
          .selectFrom('models')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses NUL and other control characters with 400 naming the field, and stores nothing', async () => {
    const before = await countModels();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'm1', owner: 'ali\u0000ce', riskTier: 3 }, 'owner'],
      [{ name: 'm1', owner: 'alice', riskTier: 3, description: 'has a NUL \u0000 inside' }, 'description'],
      [{ name: 'm1', owner: 'alice', riskTier: 3, tags: { team: 'risk\nops' } }, 'tags.team'],
      [{ name: 'm1', owner: 'alice', riskTier: 3, team: 'esc\u001b[31m' }, 'team'],
    ];
    for (const [body, field] of cases) {
      const res = await server.api('POST', '/api/v1/models', { body });
      expect(res.status, field).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toMatch(/U\+00/);
    }
    expect(await countModels()).toBe(before);
  });

  it('accepts tab and line breaks in a description', async () => {
    const res = await server.api('POST', '/api/v1/models', {
      body: { name: 'multi-line', owner: 'alice', riskTier: 3, description: 'first line\n\tsecond line\r\n' },
    });
    expect(res.status).toBe(201);
    expect(res.body.description).toBe('first line\n\tsecond line\r\n');
  });

  it('refuses a control character in the path or the query', async () => {
    const inPath = await server.api('GET', '/api/v1/models/bad%00name');
    expect(inPath.status).toBe(400);
    expect(inPath.body.error.field).toBe('path');
    const inQuery = await server.api('GET', '/api/v1/models?owner=al%00ice');
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.error.field).toBe('owner');
  });

  it('refuses a control character in an ingested record, naming the record and feature', async () => {
    await registerMonitoredModel(server, 'nul-ingest');
    const res = await server.api('POST', '/api/v1/models/nul-ingest/versions/1.0.0/inferences', {
      body: {
        records: [
          {
            id: 'r1',
            timestamp: new Date().toISOString(),
            features: { amount: 10, age: 30, country: 'fr' },
            prediction: 1,
          },
          {
            id: 'r2',
            timestamp: new Date().toISOString(),
            features: { amount: 10, age: 30, country: 'f\u0000r' },
            prediction: 0,
          },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('records.1.features.country');
  });
});
