import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline as pipelineCallback, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WardenError } from '../core/errors.js';

export interface StoredBlob {
  sha256: string;
  size: number;
}

/**
 * Content-addressed blob storage. Blobs are named by their SHA-256 only; no name from a request
 * ever reaches the storage. The local folder implementation is the embedded default; an
 * S3-compatible store implements the same four calls.
 */
export interface ArtifactStore {
  /** Where the blobs live (a folder, or `s3://bucket/prefix`), for messages. */
  readonly location: string;
  /** The id written into the store at `warden init`; undefined when the store carries none yet. */
  readStoreId(): Promise<string | undefined>;
  /** Writes the store's id unless it already holds one; returns the id the store holds afterwards. */
  claimStoreId(id: string): Promise<string>;
  /** Streams `body` in, computing its digest on the way; refuses more than `maxBytes`. */
  put(body: Readable, maxBytes: number): Promise<StoredBlob>;
  /** Streams a blob out; the digest is rechecked as it is read (see {@link verifyingStream}). */
  get(sha256: string): Readable;
  /** Recomputes the digest of a stored blob without sending it anywhere. */
  digest(sha256: string): Promise<StoredBlob | undefined>;
  exists(sha256: string): Promise<boolean>;
  /**
   * Removes temporary files of uploads started before `startedBefore` (an upload cut off by a
   * crash or a dropped connection leaves one); newer ones may belong to a live upload. Returns how
   * many were removed.
   */
  sweepUploads(startedBefore: Date): Promise<number>;
}

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Passes a blob through while hashing it; when the stream ends with a digest other than
 * `expected`, it fails instead of finishing, so a reader never sees a clean end of a bad blob.
 */
export function verifyingStream(expected: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(
        actual === expected
          ? null
          : new WardenError('integrity_failure', `stored blob hashes to ${actual}, expected ${expected}`),
      );
    },
  });
}

export function checkDigest(sha256: string): void {
  if (!DIGEST.test(sha256)) throw new WardenError('invalid_input', 'not a SHA-256 digest', 'sha256');
}

/** Makes a folder's entries (a file just renamed into it) durable. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await fs.promises.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temporary upload files older than this are swept; a live upload writes more often than that. */
export const UPLOAD_SWEEP_AGE_MS = 60 * 60 * 1000;

/** The name of the file (or object) holding a store's id, beside the blobs. */
export const STORE_ID_NAME = 'warden-store-id';

/** Removes the files in `folder` last written before `startedBefore`; returns how many. */
export async function sweepTempFolder(folder: string, startedBefore: Date): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(folder, name);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (stat?.isFile() && stat.mtimeMs < startedBefore.getTime()) {
      await fs.promises.rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Streams `body` into a new file in `folder` while hashing and counting it; refuses more than
 * `maxBytes` (the file is removed). The caller moves or removes the file.
 */
export async function receiveUpload(
  body: Readable,
  maxBytes: number,
  folder: string,
): Promise<StoredBlob & { file: string }> {
  await fs.promises.mkdir(folder, { recursive: true });
  const file = path.join(folder, randomBytes(12).toString('hex'));
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new WardenError('payload_too_large', `upload exceeds the limit of ${maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // The file is created before any byte arrives, and on failure the stream is closed before the
  // file is removed, so a refused upload never leaves a file behind (an open still pending when
  // the limit trips would otherwise create it after the removal).
  const handle = await fs.promises.open(file, 'wx');
  // flush: the bytes reach the disk before the caller makes them the blob.
  const sink = fs.createWriteStream('', { fd: handle, flush: true });
  try {
    await pipeline(body, meter, sink);
  } catch (error) {
    sink.destroy();
    // Wait for the close (not with once(): the sink's own 'error' event would reject it first).
    if (!sink.closed) await new Promise((resolve) => sink.once('close', resolve));
    await fs.promises.rm(file, { force: true });
    throw error;
  }
  return { sha256: hash.digest('hex'), size, file };
}

/** Blobs under `<root>/<aa>/<digest>`, written to a temporary file and renamed into place once hashed. */
export function createLocalArtifactStore(root: string): ArtifactStore {
  const blobPath = (sha256: string) => path.join(root, sha256.slice(0, 2), sha256);
  return {
    location: root,
    async put(body, maxBytes) {
      const { sha256, size, file: tmp } = await receiveUpload(body, maxBytes, path.join(root, 'tmp'));
      try {
        const final = blobPath(sha256);
        await fs.promises.mkdir(path.dirname(final), { recursive: true });
        await fs.promises.rename(tmp, final);
        await syncFolder(path.dirname(final)); // the rename itself survives power loss
        return { sha256, size };
      } catch (error) {
        await fs.promises.rm(tmp, { force: true });
        throw error;
      }
    },
    get(sha256) {
      checkDigest(sha256);
      // pipeline forwards a read error (say, a vanished file) to the stream the caller holds.
      return pipelineCallback(
        fs.createReadStream(blobPath(sha256)),
        verifyingStream(sha256),
        () => undefined,
      );
    },
    async digest(sha256) {
      checkDigest(sha256);
      const file = blobPath(sha256);
      if (!fs.existsSync(file)) return undefined;
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of fs.createReadStream(file)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return { sha256: hash.digest('hex'), size };
    },
    sweepUploads: (startedBefore) => sweepTempFolder(path.join(root, 'tmp'), startedBefore),
    async readStoreId() {
      try {
        return (await fs.promises.readFile(path.join(root, STORE_ID_NAME), 'utf8')).trim() || undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async claimStoreId(id) {
      await fs.promises.mkdir(root, { recursive: true });
      try {
        // wx: of two servers adopting the same folder at once, one writes and both read its id.
        await fs.promises.writeFile(path.join(root, STORE_ID_NAME), `${id}\n`, { flag: 'wx', mode: 0o644 });
        await syncFolder(root);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return (await this.readStoreId())!;
    },
    async exists(sha256) {
      checkDigest(sha256);
      try {
        await fs.promises.access(blobPath(sha256));
        return true;
      } catch {
        return false;
      }
    },
  };
}
