// RocketMQ 4.9.7, the last 4.x release: name server, broker and admin tool as released.
import { describeSendPath } from './support/send-path.ts';

describeSendPath('RocketMQ 4.9.7, plain TCP', { version: '4.9.7', offset: 820 }, { serverVersion: 407, autoCreate: 'stored' });
