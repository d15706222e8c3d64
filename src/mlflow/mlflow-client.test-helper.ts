import { expect } from 'vitest';
import type { TestServer } from '../../test/support/server.js';

/**
 * Sends requests the way MLflow's Python client does (mlflow/utils/rest_utils.py `call_endpoint`):
 * the request message as protobuf JSON with unset fields left out; on GET as query parameters
 * (`requests` repeats the key for a list and writes numbers as text), on every other method as a
 * JSON body with Content-Type application/json — DELETE included.
 */
export function mlflowClient(server: TestServer, auth: { token?: string; basic?: [string, string] } = {}) {
  const authorization = auth.basic
    ? `Basic ${Buffer.from(`${auth.basic[0]}:${auth.basic[1]}`).toString('base64')}`
    : `Bearer ${auth.token ?? server.adminToken}`;
  return async (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    endpoint: string,
    message: Record<string, unknown>,
  ): Promise<{ status: number; body: Awaited<ReturnType<TestServer['api']>>['body'] }> => {
    const headers: Record<string, string> = {
      authorization,
      'user-agent': 'mlflow-python-client/2.22.0',
      accept: '*/*',
    };
    let url = `${server.url}/api/2.0/mlflow${endpoint}`;
    let body: string | undefined;
    if (method === 'GET') {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(message))
        for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
      const query = params.toString();
      if (query) url += `?${query}`;
    } else {
      body = JSON.stringify(message);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- bodies are untyped JSON, as in test/support/server.ts
    return { status: res.status, body: parsed as Awaited<ReturnType<TestServer['api']>>['body'] };
  };
}

type FieldType =
  | 'string'
  | 'int64'
  | 'bool'
  | 'double'
  | { enum: readonly string[] }
  | { message: string }
  | { repeated: FieldType };

/**
 * Field names and types of the messages the registry answers with, from MLflow's
 * mlflow/protos/model_registry.proto (MLflow 2.x/3.x).
 */
const MESSAGES: Record<string, Record<string, FieldType>> = {
  RegisteredModel: {
    name: 'string',
    creation_timestamp: 'int64',
    last_updated_timestamp: 'int64',
    user_id: 'string',
    description: 'string',
    latest_versions: { repeated: { message: 'ModelVersion' } },
    tags: { repeated: { message: 'RegisteredModelTag' } },
    aliases: { repeated: { message: 'RegisteredModelAlias' } },
    deployment_job_id: 'string',
    deployment_job_state: {
      enum: [
        'DEPLOYMENT_JOB_CONNECTION_STATE_UNSPECIFIED',
        'NOT_SET_UP',
        'CONNECTED',
        'NOT_FOUND',
        'REQUIRED_PARAMETERS_CHANGED',
      ],
    },
  },
  ModelVersion: {
    name: 'string',
    version: 'string',
    creation_timestamp: 'int64',
    last_updated_timestamp: 'int64',
    user_id: 'string',
    current_stage: 'string',
    description: 'string',
    source: 'string',
    run_id: 'string',
    status: { enum: ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] },
    status_message: 'string',
    tags: { repeated: { message: 'ModelVersionTag' } },
    run_link: 'string',
    aliases: { repeated: 'string' },
    model_id: 'string',
  },
  RegisteredModelTag: { key: 'string', value: 'string' },
  ModelVersionTag: { key: 'string', value: 'string' },
  RegisteredModelAlias: { alias: 'string', version: 'string' },
  'CreateRegisteredModel.Response': { registered_model: { message: 'RegisteredModel' } },
  'RenameRegisteredModel.Response': { registered_model: { message: 'RegisteredModel' } },
  'UpdateRegisteredModel.Response': { registered_model: { message: 'RegisteredModel' } },
  'GetRegisteredModel.Response': { registered_model: { message: 'RegisteredModel' } },
  'SearchRegisteredModels.Response': {
    registered_models: { repeated: { message: 'RegisteredModel' } },
    next_page_token: 'string',
  },
  'GetLatestVersions.Response': { model_versions: { repeated: { message: 'ModelVersion' } } },
  'CreateModelVersion.Response': { model_version: { message: 'ModelVersion' } },
  'UpdateModelVersion.Response': { model_version: { message: 'ModelVersion' } },
  'TransitionModelVersionStage.Response': { model_version: { message: 'ModelVersion' } },
  'GetModelVersion.Response': { model_version: { message: 'ModelVersion' } },
  'GetModelVersionByAlias.Response': { model_version: { message: 'ModelVersion' } },
  'SearchModelVersions.Response': {
    model_versions: { repeated: { message: 'ModelVersion' } },
    next_page_token: 'string',
  },
  'GetModelVersionDownloadUri.Response': { artifact_uri: 'string' },
  Empty: {},
};

function checkValue(type: FieldType, value: unknown, where: string): void {
  if (typeof type === 'string') {
    if (type === 'string') expect(typeof value, where).toBe('string');
    else if (type === 'int64')
      expect(Number.isSafeInteger(value), `${where} is an int64 as a JSON number`).toBe(true);
    else if (type === 'bool') expect(typeof value, where).toBe('boolean');
    else expect(typeof value, where).toBe('number');
  } else if ('enum' in type) expect(type.enum, where).toContain(value);
  else if ('message' in type) expectMessage(type.message, value, where);
  else {
    expect(Array.isArray(value), `${where} is a list`).toBe(true);
    (value as unknown[]).forEach((item, i) => checkValue(type.repeated, item, `${where}[${i}]`));
  }
}

/** Fails unless `value` parses as the named protobuf message: only its fields, each of its type. */
export function expectMessage(name: string, value: unknown, where = name): void {
  const spec = MESSAGES[name];
  if (!spec) throw new Error(`no message ${name}`);
  expect(typeof value === 'object' && value !== null && !Array.isArray(value), `${where} is an object`).toBe(
    true,
  );
  for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
    const type = spec[field];
    expect(type, `${where}.${field} is a field of ${name}`).toBeDefined();
    checkValue(type!, v, `${where}.${field}`);
  }
}

/** The tags of a ModelVersion as a map. */
export function tagMap(version: { tags?: Array<{ key: string; value: string }> }): Record<string, string> {
  return Object.fromEntries((version.tags ?? []).map((t) => [t.key, t.value]));
}
