// The producer pointed at a RocketMQ 5.3.3 Proxy (cluster mode, remoting port) as its name server:
// the proxy answers routes with itself as every broker and forwards sends by broker name.
//
// The proxy checks each message's type against its topic's `message.type` attribute (absent:
// NORMAL) before forwarding (SendMessageActivity, enableTopicMessageTypeCheck): a sharding key
// makes a message FIFO, a delay level DELAY. So this cluster creates TopicOrder as a FIFO topic and
// TopicDelay as a DELAY topic, as a proxy user must; a topic the proxy does not know has no type
// at all (UNSPECIFIED), so TBW102 auto-creation cannot happen through it. Timer messages are DELAY
// too (TIMER_DELAY_SEC and TIMER_DELAY_MS alike), and the proxy allows recall on DELAY topics only.
import { DEFAULT_TOPICS } from '../../infra/local/config.ts';
import { describeSendPath } from './support/send-path.ts';
import { describeServerFeatures } from './support/server-features.ts';

const topics = [
  ...DEFAULT_TOPICS.map((t) => (t.name === 'TopicOrder' ? { ...t, attributes: ['+message.type=FIFO'] } : t)),
  { name: 'TopicDelay', queues: 4, attributes: ['+message.type=DELAY'] },
  // A namespaced producer's topic, created under its wire name (no auto-creation through a proxy).
  { name: 'tenant1%TopicNs', queues: 2 },
];

describeSendPath(
  'RocketMQ 5.3.3 behind rocketmq-proxy 5.3.3',
  { version: '5.3.3', offset: 840, proxy: true, topics },
  { serverVersion: 479, delayTopic: 'TopicDelay', autoCreate: 'refused by the proxy', namespacedTopic: ['tenant1', 'TopicNs'] },
  (cluster) => describeServerFeatures(cluster, { tooOld: ['priority', 'liteTopic'], timerTopic: 'TopicDelay', typeChecked: true }),
);
