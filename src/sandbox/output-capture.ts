/**
 * Captures a command's combined output with a fixed memory bound: the first part and the last part
 * are kept (the start shows what ran, the end shows why it failed), and what was dropped between
 * them is replaced by a visible `[… N bytes truncated …]` marker. Live chunks go to the caller
 * decoded per stream, so a UTF-8 character split across reads is never mangled.
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_OUTPUT_CAP = 1024 * 1024;

export function truncationMarker(dropped: number): string {
  return `\n[… ${dropped} bytes truncated …]\n`;
}

export class OutputCapture {
  private readonly headCap: number;
  private readonly tailCap: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  /** Tail kept as a list of chunks trimmed from the front when over its cap. */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;
  private total = 0;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(cap = DEFAULT_OUTPUT_CAP, private readonly onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void) {
    this.headCap = Math.floor(cap / 4);
    this.tailCap = cap - this.headCap;
  }

  get bytesSeen(): number {
    return this.total;
  }

  /** True when any output was dropped. */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  push(data: Buffer, stream: 'stdout' | 'stderr'): void {
    if (data.length === 0) return;
    this.total += data.length;
    if (this.onOutput) {
      const text = this.decoders[stream].write(data);
      if (text) this.onOutput(text, stream);
    }
    let rest = data;
    if (this.headBytes < this.headCap) {
      const take = Math.min(this.headCap - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
      if (rest.length === 0) return;
    }
    this.tail.push(Buffer.from(rest));
    this.tailBytes += rest.length;
    while (this.tailBytes > this.tailCap) {
      const first = this.tail[0];
      const excess = this.tailBytes - this.tailCap;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
        this.dropped += excess;
      }
    }
  }

  /** Flush any partial characters held by the live decoders. */
  end(): void {
    if (!this.onOutput) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.decoders[stream].end();
      if (text) this.onOutput(text, stream);
    }
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    return this.dropped > 0 ? head + truncationMarker(this.dropped) + tail : head + tail;
  }
}
