// A short subset of the chaos suite (npm run chaos runs all of it, at scale): a broker frozen for
// 5 s and a broker killed, each in the middle of a few hundred uniquely keyed messages through the
// SQS bridge and direct sends. Every queue is read back; nothing confirmed may be missing, and
// every bridge record must end stored after SQS-style redelivery.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Harness, heal, type Scenario } from '../chaos/harness.ts';
import { tableRows, textTable, TABLE_HEADER, violations } from '../chaos/report.ts';
import { SCENARIOS } from '../chaos/scenarios.ts';

const harness = new Harness({
  stack: inject('stack'),
  dynamodbEndpoint: inject('dynamodbEndpoint'),
  count: 200,
  runId: `t${Date.now().toString(36)}`,
  // Short, so records failed during the fault come back within the test.
  visibilityMs: 3000,
});
const scenario = (name: string, drivers: Scenario['drivers']): Scenario => ({ ...SCENARIOS.find((s) => s.name === name)!, drivers });

beforeAll(() => harness.open());
afterAll(async () => {
  await heal(harness.controls);
  await harness.close();
});

describe('chaos subset', () => {
  it.each([
    scenario('broker-freeze-5s', ['bridge-10', 'send', 'send-batch']),
    scenario('broker-kill', ['bridge-10', 'send', 'send-async']),
    scenario('lmi-broker-freeze-5s', ['lmi-bridge-10', 'lmi-http']),
  ])(
    '$name: loses no confirmed message and stores every bridge record',
    async (s) => {
      const result = await harness.run(s);
      console.log(`${s.name}\n${textTable(TABLE_HEADER, tableRows([result]))}`);

      expect(result.error).toBeUndefined();
      expect(result.rows.map((r) => [r.driver, r.sent, r.lost])).toEqual(s.drivers.map((d) => [d, 200, 0]));
      expect(result.bridge).toMatchObject({ records: 200, endedStored: 200 });
      expect(result.unhandled).toEqual([]);
      expect(violations([result])).toEqual([]);
    },
    300_000,
  );
});
