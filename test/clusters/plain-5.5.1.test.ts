// RocketMQ 5.5.1: the 5.5.1 broker with the 5.5.0 name server and admin tool (Maven Central does
// not serve the 5.5.1 ones; infra/local/versions.ts).
import { describeSendPath } from './support/send-path.ts';

describeSendPath('RocketMQ 5.5.1 (name server 5.5.0), plain TCP', { version: '5.5.1', offset: 830 }, { serverVersion: 515, autoCreate: 'stored' });
