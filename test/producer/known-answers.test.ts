// Known-answer tests: UNIQ_KEY layout, property encoding, Java String.hashCode, header mapping.
import { describe, expect, it } from 'vitest';
import { hashQueueIndex, javaStringHash } from '../../lib/internal.ts';
import { decodeProperties, encodeProperties } from '../../lib/internal.ts';
import { parseUniqId, UniqIdGenerator } from '../../lib/internal.ts';
import { sendRequest, type SendHeader } from '../../lib/internal.ts';
import { selectByShardingKey } from '../../lib/internal.ts';
import { prepareMessage, unwrapNamespace, wrapNamespace } from '../../lib/internal.ts';

describe('UNIQ_KEY', () => {
  it('lays out IP, pid, process hash, ms since the start of the month and a counter as 32 upper-case hex', () => {
    const now = new Date(2026, 10, 21, 13, 45, 6, 789).getTime(); // local time, like Java
    const sinceMonthStart = now - new Date(2026, 10, 1).getTime();
    const ids = new UniqIdGenerator('10.1.2.3', 4660, 0x11223344, 0xfffe);

    const first = ids.next(now);
    const second = ids.next(now);
    const third = ids.next(now);

    const expectedTime = sinceMonthStart.toString(16).toUpperCase().padStart(8, '0');
    expect(first).toBe(`0A010203123411223344${expectedTime}FFFE`);
    expect(second.slice(-4)).toBe('FFFF');
    expect(third.slice(-4)).toBe('0000'); // the int16 counter wraps
    expect(parseUniqId(first)).toEqual({ ip: '10.1.2.3', pid: 4660, processHash: 0x11223344, sinceMonthStart, counter: 0xfffe });
  });

  it('keeps the pid to its low 16 bits and restarts the time part each month', () => {
    const ids = new UniqIdGenerator('127.0.0.1', 0x12345, 1, 0);
    const monthStart = new Date(2026, 11, 1).getTime();

    const atStart = parseUniqId(ids.next(monthStart));

    expect(atStart.pid).toBe(0x2345);
    expect(atStart.sinceMonthStart).toBe(0);
  });
});

describe('properties', () => {
  it('encodes every pair with both separators, the last one included', () => {
    expect(encodeProperties({ TAGS: 'A', KEYS: 'k1 k2' })).toBe('TAGS\u0001A\u0002KEYS\u0001k1 k2\u0002');
    expect(encodeProperties({})).toBe('');
  });

  it('decodes as Java does, skipping chunks without a name or a value', () => {
    const decoded = decodeProperties('A\u00011\u0002\u0001x\u0002B\u0001\u0002C\u0002D\u0001éè\u0002\u0002');

    expect([...decoded]).toEqual([
      ['A', '1'],
      ['D', 'éè'],
    ]);
  });

  it('round-trips values holding spaces, colons and non-ASCII text', () => {
    const properties = new Map([
      ['k', 'a b:c'],
      ['ключ', '值'],
    ]);

    expect(decodeProperties(encodeProperties(properties))).toEqual(properties);
  });
});

describe('Java String.hashCode and SelectMessageQueueByHash', () => {
  it('matches known Java hash codes', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a')).toBe(97);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('Aa')).toBe(javaStringHash('BB'));
    expect(javaStringHash('Aa')).toBe(2112);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648); // Integer.MIN_VALUE
  });

  it('takes abs(hash % size) like Java, Integer.MIN_VALUE included', () => {
    expect(hashQueueIndex('polygenelubricants', 8)).toBe(0);
    expect(hashQueueIndex('polygenelubricants', 3)).toBe(2); // MIN_VALUE % 3 == -2 in Java
    expect(hashQueueIndex('hello', 7)).toBe(99162322 % 7);
    expect(javaStringHash('ab')).toBe(3105); // 97 * 31 + 98
  });

  it('picks the queue by that index in route order', () => {
    const queues = Array.from({ length: 3 }, (_, queueId) => ({ topic: 'T', brokerName: 'b', queueId }));

    expect(selectByShardingKey(queues, 'polygenelubricants').queueId).toBe(2);
  });
});

describe('send request header', () => {
  const header: SendHeader = {
    producerGroup: 'g',
    topic: 't',
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 4,
    queueId: 3,
    sysFlag: 0x301,
    bornTimestamp: 1700000000000,
    flag: 0,
    properties: 'WAIT\u0001true\u0002',
    reconsumeTimes: 0,
    unitMode: false,
    batch: false,
    brokerName: 'broker-a',
  };

  it('writes V2 as letters a..n with string values under SEND_MESSAGE_V2 (310)', () => {
    const request = sendRequest(header, Buffer.from('x'));

    expect(request.code).toBe(310);
    expect(request.extFields).toEqual({
      a: 'g',
      b: 't',
      c: 'TBW102',
      d: '4',
      e: '3',
      f: '769',
      g: '1700000000000',
      h: '0',
      i: 'WAIT\u0001true\u0002',
      j: '0',
      k: 'false',
      m: 'false',
      n: 'broker-a',
    });
    expect(sendRequest({ ...header, maxReconsumeTimes: 16 }, Buffer.from('x')).extFields.l).toBe('16');
  });

  it('writes V1 with the long names under SEND_MESSAGE (10), broker name as bname', () => {
    const request = sendRequest({ ...header, maxReconsumeTimes: 16 }, Buffer.from('x'), 'V1');

    expect(request.code).toBe(10);
    expect(request.extFields).toMatchObject({ producerGroup: 'g', topic: 't', queueId: '3', sysFlag: '769', maxReconsumeTimes: '16', bname: 'broker-a' });
    expect(request.extFields.a).toBeUndefined();
  });

  it('sends batches as SEND_BATCH_MESSAGE (320) with m=true, V2 always', () => {
    const request = sendRequest({ ...header, batch: true }, Buffer.from('x'), 'V1');

    expect(request.code).toBe(320);
    expect(request.extFields.m).toBe('true');
  });
});

describe('prepared message (sendKernelImpl decisions made once per send)', () => {
  const settings = {
    namespace: undefined,
    compressOver: 4096,
    compressLevel: 5,
    maxMessageSize: 4 << 20,
    timerMaxDelayMs: 259_200_000,
    uniqIds: new UniqIdGenerator('10.0.0.1', 1, 1, 0),
  };

  it('marks a half message with TRAN_MSG=true as transaction prepared (sysFlag 0x4)', () => {
    const prepared = prepareMessage({ topic: 'T', body: 'x' }, Buffer.from('x'), settings, new Map([['TRAN_MSG', 'true']]));

    expect(prepared.sysFlag).toBe(0x4);
  });

  it('moves RECONSUME_TIME and MAX_RECONSUME_TIMES of a retry topic into the header fields', () => {
    const extra = new Map([
      ['RECONSUME_TIME', '3'],
      ['MAX_RECONSUME_TIMES', '16'],
    ]);

    const prepared = prepareMessage({ topic: '%RETRY%group', body: 'x' }, Buffer.from('x'), settings, extra);

    expect([prepared.reconsumeTimes, prepared.maxReconsumeTimes]).toEqual([3, 16]);
    expect(prepared.properties.has('RECONSUME_TIME')).toBe(false);
    expect(prepared.properties.has('MAX_RECONSUME_TIMES')).toBe(false);
  });

  it('wraps namespaces as NamespaceUtil does, retry topics included, and never twice', () => {
    expect(wrapNamespace('ns', 'T')).toBe('ns%T');
    expect(wrapNamespace('ns', 'ns%T')).toBe('ns%T');
    expect(wrapNamespace('ns', '%RETRY%group')).toBe('%RETRY%ns%group');
    expect(unwrapNamespace('ns', '%RETRY%ns%group')).toBe('%RETRY%group');
    expect(wrapNamespace(undefined, 'T')).toBe('T');
  });
});
