// RocketMQ 4.9.7, the last 4.x release: name server, broker and admin tool as released. None of the
// 5.x send features: it would deliver a timer message at once and keep a priority or a lite topic as
// a plain property, so the producer refuses them; it answers a recall with code 3.
import { describeSendPath } from './support/send-path.ts';
import { describeServerFeatures } from './support/server-features.ts';

describeSendPath('RocketMQ 4.9.7, plain TCP', { version: '4.9.7', offset: 820 }, { serverVersion: 407, autoCreate: 'stored' }, (cluster) =>
  describeServerFeatures(cluster, { tooOld: ['timers', 'recall', 'priority', 'liteTopic'] }),
);
