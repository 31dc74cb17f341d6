// RocketMQ 5.3.3 (the default stack's version) in its own cluster: the matrix's reference row.
// It has timers and recall, not priorities (5.4) or lite topics (5.5).
import { expect, it } from 'vitest';
import { RemotingClient, RequestCode } from '../../lib/internal.ts';
import { describeSendPath } from './support/send-path.ts';
import { describeServerFeatures } from './support/server-features.ts';

describeSendPath('RocketMQ 5.3.3, plain TCP', { version: '5.3.3', offset: 810 }, { serverVersion: 479, autoCreate: 'stored' }, (cluster) => {
  describeServerFeatures(cluster, { tooOld: ['priority', 'liteTopic'] });

  it('cannot create a topic typed PRIORITY or LITE (code 1): those need a 5.4 / 5.5 cluster', async () => {
    const admin = new RemotingClient();
    try {
      const answers = [];
      for (const type of ['PRIORITY', 'LITE']) {
        const extFields = {
          topic: `Typed${type}`,
          defaultTopic: 'TBW102',
          readQueueNums: '4',
          writeQueueNums: '4',
          perm: '6',
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: '0',
          order: 'false',
          attributes: `+message.type=${type}`,
        };
        const response = await admin.invoke(cluster().brokers['broker-a'], { code: RequestCode.UPDATE_AND_CREATE_TOPIC, extFields }, 3000);
        answers.push([response.code, response.remark]);
      }

      for (const [code, remark] of answers) {
        expect(code).toBe(1);
        expect(remark).toContain('value is not in set');
      }
    } finally {
      admin.shutdown();
    }
  });
});
