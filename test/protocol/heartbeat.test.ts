// parseAck (raises for anything but SUCCESS) on the answers a 5.3.3 broker gave to HEART_BEAT: one
// it took, and one whose body it could not read.
import { describe, expect, it } from 'vitest';
import { parseAck } from '../../lib/protocol/heartbeat.ts';
import { captured, capturedFrom, refusal } from './captured.ts';

describe('the answer to a heartbeat', () => {
  it("parses to the broker's version: 479 is V5_3_3", () => {
    expect(capturedFrom).toBe('5.3.3');
    expect(parseAck(captured('broker-heartbeat').answer, '127.0.0.1:20911')).toEqual({ brokerVersion: 479 });
  });

  it('parses a refusal to a BrokerError naming the broker', () => {
    const error = refusal(() => parseAck(captured('broker-heartbeat-refused').answer, '127.0.0.1:20911'));

    expect([error.code, error.codeName, error.context]).toEqual([1, 'SYSTEM_ERROR', { address: '127.0.0.1:20911' }]);
    expect(error.remark).toMatch(/^com\.alibaba\.fastjson\.JSONException/);
  });
});
