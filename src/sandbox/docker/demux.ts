/**
 * The Docker Engine's multiplexed stream framing (attach/logs of a container without a TTY): each
 * frame is an 8-byte header — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, payload
 * size as a big-endian uint32 — followed by the payload. Frames may arrive split across reads.
 */
export type DemuxSink = (data: Buffer, stream: 'stdout' | 'stderr') => void;

export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: DemuxSink) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      this.sink(payload, type === 2 ? 'stderr' : 'stdout');
    }
  }
}

/** One frame, for servers that speak the protocol (the test engine). */
export function frame(stream: 'stdout' | 'stderr', payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream === 'stderr' ? 2 : 1;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}
