import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';

type Operation = OpenAPIV3_1.OperationObject;
type Parameter = OpenAPIV3_1.ParameterObject;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

function operations(doc: OpenAPIV3_1.Document): { key: string; op: Operation }[] {
  const found: { key: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (op) found.push({ key: `${method.toUpperCase()} ${path}`, op });
    }
  }
  return found;
}

/**
 * The served OpenAPI document checked by an independent validator (swagger-parser, which applies
 * the OpenAPI 3.1 JSON Schema and the specification's rules such as "path parameters are required"),
 * plus the documentation rules a reader of /docs relies on.
 */
describe('the OpenAPI document', () => {
  let server: TestServer;
  let doc: OpenAPIV3_1.Document;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const res = await server.api('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    doc = res.body as OpenAPIV3_1.Document;
  });
  afterAll(() => server.close());

  it('validates against the OpenAPI 3.1 schema and rules', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('is refused by the validator when a path parameter is not required (the check has teeth)', async () => {
    const broken = structuredClone(doc);
    const op = broken.paths!['/api/v1/policy/versions/{version}']!.get!;
    (op.parameters![0] as Parameter).required = false;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow(/required/);
  });

  it('gives every operation a unique operationId, a summary and a declared tag', () => {
    const declared = new Set((doc.tags ?? []).map((t) => t.name));
    const ids = new Map<string, string>();
    const all = operations(doc);
    expect(all.length).toBeGreaterThan(90);
    for (const { key, op } of all) {
      expect(op.operationId, `${key} operationId`).toMatch(/^[a-zA-Z][a-zA-Z0-9]*$/);
      expect(ids.get(op.operationId!), `${key} repeats the operationId of`).toBeUndefined();
      ids.set(op.operationId!, key);
      expect(op.summary?.trim(), `${key} summary`).toBeTruthy();
      expect(op.tags?.length, `${key} tags`).toBeGreaterThan(0);
      for (const tag of op.tags ?? [])
        expect(declared.has(tag), `${key}: tag "${tag}" is declared`).toBe(true);
    }
    const used = new Set(all.flatMap(({ op }) => op.tags ?? []));
    for (const tag of doc.tags ?? []) {
      expect(used.has(tag.name), `declared tag "${tag.name}" is used`).toBe(true);
      expect(tag.description, `tag "${tag.name}" description`).toBeTruthy();
    }
  });

  it('documents /healthz (public) and /metrics (Prometheus text, bearer token)', () => {
    const health = doc.paths!['/healthz']?.get;
    expect(health?.security).toEqual([]);
    expect(
      Object.keys(
        health?.responses?.['200'] && 'content' in health.responses['200']
          ? health.responses['200'].content!
          : {},
      ),
    ).toEqual(['application/json']);
    const metrics = doc.paths!['/metrics']?.get;
    expect(metrics?.security).toEqual([{ bearer: [] }]);
    const ok = metrics?.responses?.['200'];
    expect(ok && 'content' in ok ? Object.keys(ok.content!) : []).toEqual(['text/plain']);
  });

  it('declares no parameter that could be null: a URL carries strings, never null', () => {
    for (const { key, op } of operations(doc)) {
      for (const p of (op.parameters ?? []) as Parameter[]) {
        const type = (p.schema as OpenAPIV3_1.SchemaObject | undefined)?.type;
        expect(Array.isArray(type) ? type : [type], `${key} parameter ${p.name}`).not.toContain('null');
        if (p.in === 'path') expect(p.required, `${key} path parameter ${p.name}`).toBe(true);
      }
    }
  });

  it('describes every named schema', () => {
    const schemas = Object.entries(doc.components?.schemas ?? {});
    expect(schemas.length).toBeGreaterThan(50);
    const undescribed = schemas
      .filter(([, s]) => !(s as { description?: string }).description)
      .map(([n]) => n);
    expect(undescribed).toEqual([]);
  });

  it('answers /healthz as documented', async () => {
    const res = await server.api('GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
