import type { StreamValue } from '../../engine/types/stream.js';
import type { RdbWriter, RdbSaveOptions } from './writer.js';
import { RdbFormatError } from './encodings.js';
import type { RdbReader } from './reader.js';
import type { Value } from '../../engine/values.js';

/** Streams (RDB_TYPE_STREAM_LISTPACKS*): not yet encoded. */
export function writeStream(_w: RdbWriter, _s: StreamValue, _opts: RdbSaveOptions): void {
  throw new Error('stream values cannot be serialized yet');
}

/** Streams (RDB_TYPE_STREAM_LISTPACKS*): not yet decoded. */
export function readStream(r: RdbReader, _type: number): Value {
  throw new RdbFormatError(r.pos, 'stream values cannot be loaded yet');
}
