import { describe, expect, it } from 'vitest';
import { sourceProblem } from './mlflow-source.js';

describe('model version sources', () => {
  it.each([
    's3://bucket/models/m/1',
    'gs://bucket/path/model',
    'https://example.com/artifacts/model.tar.gz?X-Amz-Signature=abc',
    'mlflow-artifacts:/1/abc/artifacts/model',
    'mlflow-artifacts://host:5000/1/abc/artifacts/model',
    'models:/credit/3',
    'runs:/0123abcd/model',
    'S3://bucket/upper-case-scheme',
    's3://bucket/a..b/file', // ".." inside a name is no traversal
  ])('keeps %s', (source) => {
    expect(sourceProblem(source)).toBeNull();
  });

  it.each([
    ['file:///etc/passwd', 'scheme "file:"'],
    ['FILE:/etc/passwd', 'scheme "file:"'],
    ['http://example.com/model', 'scheme "http:"'],
    ['/tmp/model', 'relative path'],
    ['model/dir', 'relative path'],
    ['../../etc', 'relative path'],
    ['s3://bucket/../../etc/passwd', '".."'],
    ['https://example.com/a/%2e%2e/%2e%2e/etc', '".."'],
    ['https://example.com/a/%252e%252e/etc', '".."'],
    ['https:///#/../../etc/', '".."'],
    ['mlflow-artifacts:/a/..%5c..%5cetc', 'backslash'],
    ['s3://bucket/a%00b', 'NUL'],
    ['', 'empty'],
  ])('refuses %s', (source, reason) => {
    expect(sourceProblem(source)).toContain(reason);
  });
});
