// What compression costs: CPU per KiB of body and the size it leaves, for the zlib levels the
// compressLevel option takes (the producer compresses bodies over compressMsgBodyOverHowmuch,
// 4 KiB by default, with deflate as Java's producer does), on JSON-like text and on random bytes.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface CompressionRow {
  body: string;
  kib: number;
  level: number;
  usPerKiB: number;
  /** Compressed size over original size. */
  ratio: number;
}

function jsonLike(bytes: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = JSON.stringify({
      orderId: `order-${100000 + i}`,
      customer: `c-${(i * 7919) % 5000}`,
      amount: ((i * 37) % 10000) / 100,
      status: i % 3 ? 'paid' : 'created',
      items: [{ sku: `sku-${i % 97}`, qty: (i % 5) + 1 }],
    });
    parts.push(part);
    size += part.length + 1;
  }
  return Buffer.from(parts.join('\n')).subarray(0, bytes);
}

export function runCompression(): CompressionRow[] {
  const bodies: [string, Buffer][] = [
    ['JSON orders', jsonLike(16 * 1024)],
    ['JSON orders', jsonLike(256 * 1024)],
    ['random bytes', randomBytes(16 * 1024)],
  ];
  const rows: CompressionRow[] = [];
  for (const [name, body] of bodies) {
    for (const level of [1, 5, 9]) {
      const iterations = Math.max(20, Math.round((8 * 1024 * 1024) / body.length));
      let size = 0;
      for (let i = 0; i < 5; i++) size = deflateSync(body, { level }).length; // warm
      const cpu = process.cpuUsage();
      for (let i = 0; i < iterations; i++) size = deflateSync(body, { level }).length;
      const used = process.cpuUsage(cpu);
      rows.push({
        body: name,
        kib: body.length / 1024,
        level,
        usPerKiB: (used.user + used.system) / iterations / (body.length / 1024),
        ratio: size / body.length,
      });
    }
  }
  return rows;
}
