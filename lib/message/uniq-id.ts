// Client message id, UNIQ_KEY (MessageClientIDSetter), 32 upper-case hex characters for IPv4:
//   4 bytes local IP | int16 pid | int32 per-process value (Java: the class loader's hash)
//   | int32 ms since the start of the current month (local time) | int16 counter (wraps)
// The first 20 characters are fixed per process.
import { createHash, randomInt } from 'node:crypto';
import { localIPv4 } from '../remoting/local-address.ts';

function prefixFor(ip: string, pid: number, processHash: number): string {
  const bytes = Buffer.alloc(10);
  for (const [i, part] of ip.split('.').entries()) bytes.writeUInt8(Number(part) & 0xff, i);
  bytes.writeInt16BE((pid << 16) >> 16, 4);
  bytes.writeInt32BE(processHash | 0, 6);
  return bytes.toString('hex').toUpperCase();
}

/** Epoch ms of the start of the month (local time, as Java's MessageClientIDSetter) holding `at`, and of the next. */
function monthOf(at: number): { start: number; next: number } {
  const date = new Date(at);
  return { start: new Date(date.getFullYear(), date.getMonth(), 1).getTime(), next: new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime() };
}

/** The time-and-counter half of an id: ms since the month start of `at`, then a 16-bit counter. */
function suffixFor(at: number, monthStart: number, counter: number): string {
  let sinceMonthStart = at - monthStart;
  // Clock adjustments may land just before the month start: Java clamps small negatives to 0.
  if (sinceMonthStart < 0 && sinceMonthStart > -1_000_000) sinceMonthStart = 0;
  // Written digit by digit: a Buffer, its hex and its upper-casing per id cost more than the rest of the id.
  return hexDigits(sinceMonthStart | 0, 8) + hexDigits(counter & 0xffff, 4);
}

const HEX = '0123456789ABCDEF';

/** The low `digits` nibbles of `value` (an int32, as its two's complement bits), upper-case hex. */
function hexDigits(value: number, digits: number): string {
  let text = '';
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) text += HEX[(value >>> shift) & 15];
  return text;
}

/**
 * The same UNIQ_KEY every time for one logical message (an SQS record's messageId, an HTTP
 * Idempotency-Key), so a copy sent again after an unknown outcome is recognizable as the same
 * message. The first 20 characters and the counter come from a SHA-256 of `seed`; the time part is
 * `firstSentAt`, so the admin tool's query by unique key, which searches from the id's time on,
 * still finds it (the time must not be later than the store time).
 */
export function stableMessageId(seed: string, firstSentAt: number): string {
  const hash = createHash('sha256').update(seed, 'utf8').digest();
  return hash.subarray(0, 10).toString('hex').toUpperCase() + suffixFor(firstSentAt, monthOf(firstSentAt).start, hash.readUInt16BE(10));
}

/** A UNIQ_KEY as a caller may give one: 32 upper-case hex characters (IPv4 form) or 56 (IPv6). */
export const UNIQ_ID_PATTERN = /^(?:[0-9A-F]{32}|[0-9A-F]{56})$/;

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
    if (now >= this.nextMonthStart) ({ start: this.monthStart, next: this.nextMonthStart } = monthOf(now));
    const id = this.prefix + suffixFor(now, this.monthStart, this.counter);
    this.counter = (this.counter + 1) & 0xffff;
    return id;
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
