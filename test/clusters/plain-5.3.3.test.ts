// RocketMQ 5.3.3 (the default stack's version) in its own cluster: the matrix's reference row.
import { describeSendPath } from './support/send-path.ts';

describeSendPath('RocketMQ 5.3.3, plain TCP', { version: '5.3.3', offset: 810 }, { serverVersion: 479, autoCreate: 'stored' });
