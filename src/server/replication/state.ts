import { randomBytes } from 'node:crypto';

/**
 * The replication identity every server has, master or replica (Redis's server.replid, replid2,
 * master_repl_offset, second_replid_offset): the history of the dataset as a stream of bytes.
 *
 * A master advances the offset by the bytes it propagates; a replica takes its master's id after a
 * full sync and advances the offset by the bytes of the master's stream it has applied. Both feed
 * those same bytes to the backlog and to their own replicas (`feed`), so a chain of replicas
 * shares one id and one offset and a partial resync can continue anywhere along it.
 */
export class ReplicationState {
  /** master_replid: 40 hex characters, renewed when this history ends (DEBUG CHANGE-REPL-ID). */
  replid = newReplid();
  /** master_replid2: the previous history's id, valid up to `secondReplidOffset` (after a promotion). */
  replid2 = NO_REPLID;
  /** second_repl_offset: the last offset + 1 of the history `replid2` names, or -1. */
  secondReplidOffset = -1;
  /** master_repl_offset: bytes of the replication stream produced or applied so far. */
  masterReplOffset = 0;
  /**
   * The master this server replicates (REPLICAOF host port), or null for a master. While set, the
   * server's own propagation does not feed the stream: its master's stream does, byte for byte.
   */
  masterHost: string | null = null;
  masterPort = 0;
  /** Where the stream's bytes go (the master side: backlog, then connected replicas). */
  private sink: ((bytes: Buffer) => void) | null = null;

  /** Bytes of the stream, produced here or received from our master: advances the offset, feeds the sink. */
  feed(bytes: Buffer): void {
    this.masterReplOffset += bytes.length;
    this.sink?.(bytes);
  }

  /** The master side takes the stream's bytes (one consumer: it fans them out itself). */
  setSink(sink: (bytes: Buffer) => void): void {
    this.sink = sink;
  }

  /** changeReplicationId: a new history starts (DEBUG CHANGE-REPL-ID, a replica's full sync). */
  changeReplid(): void {
    this.replid = newReplid();
  }

  /** clearReplicationId2: forget the previous history. */
  clearReplid2(): void {
    this.replid2 = NO_REPLID;
    this.secondReplidOffset = -1;
  }

  /**
   * shiftReplicationId: a replica becomes a master (REPLICAOF NO ONE). Its old id stays valid up
   * to the current offset, so replicas of the same old master can continue with a partial resync.
   */
  shiftReplid(): void {
    this.replid2 = this.replid;
    this.secondReplidOffset = this.masterReplOffset + 1;
    this.changeReplid();
  }
}

export const NO_REPLID = '0000000000000000000000000000000000000000';

function newReplid(): string {
  return randomBytes(20).toString('hex');
}
