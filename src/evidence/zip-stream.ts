import { createHash, type Hash } from 'node:crypto';
import { Zip, ZipDeflate } from 'fflate';

/** One piece of a file the producer emits: bytes of `path`, and whether the file ends with them. */
export interface FileChunk {
  path: string;
  data: Uint8Array;
  final: boolean;
}

/** SHA-256 and size of each file, filled in as its bytes pass into the zip. */
export type FileDigests = Map<string, { sha256: string; bytes: number }>;

/**
 * A zip as a byte stream, pulled: each read advances the producer only until the zip has bytes to
 * hand out, so memory holds one chunk at a time however large the pack. Files must be emitted one
 * after the other (a file's chunks, its last with `final`, then the next file). Each file's
 * SHA-256 is computed as it passes and is in `digests` once its final chunk has been consumed.
 */
export function zipStream(
  produce: (digests: FileDigests) => AsyncIterable<FileChunk>,
): ReadableStream<Uint8Array> {
  const digests: FileDigests = new Map();
  const out: Uint8Array[] = [];
  let failed: Error | null = null;
  let ended = false;
  const zip = new Zip((error, chunk, final) => {
    if (error) failed = error;
    else out.push(chunk);
    if (final) ended = true;
  });
  const iterator = produce(digests)[Symbol.asyncIterator]();
  let current: { path: string; file: ZipDeflate; hash: Hash; bytes: number } | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (out.length === 0 && !ended && !failed) {
        const next = await iterator.next();
        if (next.done) {
          zip.end();
          break;
        }
        const c = next.value;
        if (!current || current.path !== c.path) {
          current = {
            path: c.path,
            file: new ZipDeflate(c.path, { level: 6 }),
            hash: createHash('sha256'),
            bytes: 0,
          };
          zip.add(current.file);
        }
        current.hash.update(c.data);
        current.bytes += c.data.length;
        current.file.push(c.data, c.final);
        if (c.final) {
          digests.set(c.path, { sha256: current.hash.digest('hex'), bytes: current.bytes });
          current = null;
        }
      }
      if (failed) return controller.error(failed);
      const chunk = out.shift();
      if (chunk) controller.enqueue(chunk);
      if (ended && out.length === 0) controller.close();
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

const encoder = new TextEncoder();

/** A whole small file as one chunk. */
export function wholeFile(path: string, content: string | Uint8Array): FileChunk {
  return { path, data: typeof content === 'string' ? encoder.encode(content) : content, final: true };
}

/** Text lines grouped into chunks of about 256 KB, the last one final. */
export async function* linesFile(path: string, lines: AsyncIterable<string>): AsyncGenerator<FileChunk> {
  let buffer: string[] = [];
  let size = 0;
  for await (const line of lines) {
    buffer.push(line, '\n');
    size += line.length + 1;
    if (size >= 262_144) {
      yield { path, data: encoder.encode(buffer.join('')), final: false };
      buffer = [];
      size = 0;
    }
  }
  yield { path, data: encoder.encode(buffer.join('')), final: true };
}
