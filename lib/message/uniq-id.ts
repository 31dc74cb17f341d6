// Client message id, UNIQ_KEY (MessageClientIDSetter), 32 upper-case hex characters for IPv4:
//   4 bytes local IP | int16 pid | int32 per-process value (Java: the class loader's hash)
//   | int32 ms since the start of the current month (local time) | int16 counter (wraps)
// The first 20 characters are fixed per process.
import { randomInt } from 'node:crypto';
import { localIPv4 } from '../remoting/local-address.ts';

function prefixFor(ip: string, pid: number, processHash: number): string {
  const bytes = Buffer.alloc(10);
  for (const [i, part] of ip.split('.').entries()) bytes.writeUInt8(Number(part) & 0xff, i);
  bytes.writeInt16BE((pid << 16) >> 16, 4);
  bytes.writeInt32BE(processHash | 0, 6);
  return bytes.toString('hex').toUpperCase();
}

export class UniqIdGenerator {
  private readonly prefix: string;
  private counter: number;
  private monthStart = 0;
  private nextMonthStart = 0;

  constructor(ip = localIPv4(), pid = process.pid, processHash = randomInt(2 ** 31), counter = randomInt(2 ** 16)) {
    this.prefix = prefixFor(ip, pid, processHash);
    this.counter = counter;
  }

  next(now = Date.now()): string {
    if (now >= this.nextMonthStart) this.startMonth(now);
    let sinceMonthStart = now - this.monthStart;
    // Clock adjustments may land just before the month start: Java clamps small negatives to 0.
    if (sinceMonthStart < 0 && sinceMonthStart > -1_000_000) sinceMonthStart = 0;
    const suffix = Buffer.alloc(6);
    suffix.writeInt32BE(sinceMonthStart | 0, 0);
    suffix.writeUInt16BE(this.counter, 4);
    this.counter = (this.counter + 1) & 0xffff;
    return this.prefix + suffix.toString('hex').toUpperCase();
  }

  private startMonth(now: number): void {
    const date = new Date(now);
    this.monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    this.nextMonthStart = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
  }
}

/** Reads the parts back out of a 32-character id (for tests and diagnostics). */
export function parseUniqId(id: string): { ip: string; pid: number; processHash: number; sinceMonthStart: number; counter: number } {
  const bytes = Buffer.from(id, 'hex');
  return {
    ip: [...bytes.subarray(0, 4)].join('.'),
    pid: bytes.readInt16BE(4),
    processHash: bytes.readInt32BE(6),
    sinceMonthStart: bytes.readInt32BE(10),
    counter: bytes.readUInt16BE(14),
  };
}
