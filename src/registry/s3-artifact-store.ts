import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { invalidInput } from '../core/errors.js';
import {
  checkDigest,
  receiveUpload,
  STORE_ID_NAME,
  sweepTempFolder,
  verifyingStream,
  type ArtifactStore,
} from './artifact-store.js';

/** Where an S3-compatible store lives, read from `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket's root). */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

/** Reads an `s3://` artifact store URL; credentials come from the usual AWS variables, never the URL. */
export function parseS3Url(raw: string): S3Location {
  const field = 'WARDEN_ARTIFACT_STORE';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput(`${field} is not a URL: ${raw}`, field);
  }
  if (url.protocol !== 's3:' || !url.hostname)
    throw invalidInput(`${field} must read s3://bucket/prefix, got ${raw}`, field);
  if (url.username || url.password)
    throw invalidInput(
      `${field} must not carry credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      field,
    );
  const known = new Set(['endpoint', 'region', 'forcePathStyle']);
  for (const key of url.searchParams.keys())
    if (!known.has(key))
      throw invalidInput(`${field}: unknown parameter "${key}" (endpoint, region, forcePathStyle)`, field);
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint))
    throw invalidInput(`${field}: endpoint must be an http(s) URL, got ${endpoint}`, field);
  return {
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: url.searchParams.get('forcePathStyle') === 'true',
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Blobs as objects `<prefix>/<aa>/<digest>` in an S3-compatible bucket. An upload is received
 * into a local temporary file while it is hashed (so the object is written under its digest,
 * with its length, in one request), under `tmpFolder`, which interrupted uploads are swept from.
 */
export function createS3ArtifactStore(raw: string, tmpFolder: string): ArtifactStore {
  const where = parseS3Url(raw);
  const client = new S3Client({
    region: where.region,
    forcePathStyle: where.forcePathStyle,
    ...(where.endpoint !== undefined ? { endpoint: where.endpoint } : {}),
    // Plain requests with a length, which every S3-compatible server reads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const key = (name: string) => (where.prefix ? `${where.prefix}/${name}` : name);
  const blobKey = (sha256: string) => key(`${sha256.slice(0, 2)}/${sha256}`);
  const exists = async (objectKey: string) => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: where.bucket, Key: objectKey }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };
  const open = async (objectKey: string): Promise<Readable | undefined> => {
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: objectKey }));
      return object.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    location: `s3://${where.bucket}/${where.prefix}`,
    async put(body, maxBytes) {
      const { sha256, size, file } = await receiveUpload(body, maxBytes, tmpFolder);
      try {
        if (!(await exists(blobKey(sha256)))) {
          await client.send(
            new PutObjectCommand({
              Bucket: where.bucket,
              Key: blobKey(sha256),
              Body: fs.createReadStream(file),
              ContentLength: size,
              ContentType: 'application/octet-stream',
            }),
          );
        }
        return { sha256, size };
      } finally {
        await fs.promises.rm(file, { force: true });
      }
    },
    get(sha256) {
      checkDigest(sha256);
      const out = new PassThrough();
      open(blobKey(sha256)).then(
        (body) => {
          if (!body) {
            out.destroy(new Error(`stored blob ${sha256} is missing`));
            return;
          }
          pipeline(body, verifyingStream(sha256), out, () => undefined);
        },
        (error: Error) => out.destroy(error),
      );
      return out;
    },
    async digest(sha256) {
      checkDigest(sha256);
      const body = await open(blobKey(sha256));
      if (!body) return undefined;
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of body) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return { sha256: hash.digest('hex'), size };
    },
    async exists(sha256) {
      checkDigest(sha256);
      return exists(blobKey(sha256));
    },
    sweepUploads: (startedBefore) => sweepTempFolder(tmpFolder, startedBefore),
    async readStoreId() {
      const body = await open(key(STORE_ID_NAME));
      if (!body) return undefined;
      let text = '';
      for await (const chunk of body) text += (chunk as Buffer).toString('utf8');
      return text.trim() || undefined;
    },
    async claimStoreId(id) {
      // Buckets offer no portable create-if-absent: write only when absent, then read back what holds.
      if (!(await exists(key(STORE_ID_NAME)))) {
        await client.send(
          new PutObjectCommand({
            Bucket: where.bucket,
            Key: key(STORE_ID_NAME),
            Body: `${id}\n`,
            ContentType: 'text/plain',
          }),
        );
      }
      return (await this.readStoreId())!;
    },
  };
}

/** The folder an S3 store receives uploads into before sending them. */
export function s3UploadFolder(dataDir: string): string {
  return path.join(dataDir, 'artifact-uploads');
}
