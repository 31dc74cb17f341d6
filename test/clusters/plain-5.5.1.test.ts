// RocketMQ 5.5.1: the 5.5.1 broker with the 5.5.0 name server and admin tool (Maven Central does
// not serve the 5.5.1 ones; infra/local/versions.ts). Besides the default topics, a topic typed
// PRIORITY (8 queues: priorities 0 to 7 each get their own) and a parent topic typed LITE, the way a
// 5.5 cluster offers those features; the brokers run with LMQ multi-dispatch on (rocketmq.ts).
import { DEFAULT_TOPICS } from '../../infra/local/config.ts';
import { describeSendPath } from './support/send-path.ts';
import { describeServerFeatures } from './support/server-features.ts';

const priorityTopic = { name: 'TopicPriority', queues: 8 };
const topics = [
  ...DEFAULT_TOPICS,
  { ...priorityTopic, attributes: ['+message.type=PRIORITY'] },
  { name: 'TopicLite', queues: 2, attributes: ['+message.type=LITE'] },
];

describeSendPath(
  'RocketMQ 5.5.1 (name server 5.5.0), plain TCP',
  { version: '5.5.1', offset: 830, topics },
  { serverVersion: 515, autoCreate: 'stored' },
  (cluster) => describeServerFeatures(cluster, { tooOld: [], priorityTopic, liteParent: 'TopicLite' }),
);
