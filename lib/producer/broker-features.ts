// What a message needs of the broker's version, and the check made before it is sent. A 4.x broker
// stores a timer message and delivers it at once; a 5.3 broker stores a priority or a lite topic as
// a plain property: the message would lose what it asked for without a word. Every response carries
// the server's version code (MQVersion.Version ordinal), which the remoting client keeps per
// address; a message that needs a version goes to a broker not heard from yet only after a heartbeat
// has told its version. Plain messages need nothing and pay nothing.
import { rocketError } from '../errors.ts';
import { Prop } from '../message/properties.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { HeartbeatScheduler } from './heartbeats.ts';

/** MQVersion.Version ordinals of the releases that brought a producer feature (read from the 5.5.1 jars). */
export const BROKER_VERSION_CODES = { '5.0.0': 413, '5.3.2': 477, '5.4.0': 493, '5.5.0': 513 } as const;

export interface Requirement {
  feature: string;
  version: keyof typeof BROKER_VERSION_CODES;
}

const NEEDS: [property: string, Requirement][] = [
  [Prop.LITE_TOPIC, { feature: 'a lite topic (liteTopic)', version: '5.5.0' }],
  [Prop.PRIORITY, { feature: 'a priority message (priority)', version: '5.4.0' }],
  [Prop.TIMER_DELIVER_MS, { feature: 'a timer message (deliverAt)', version: '5.0.0' }],
  [Prop.TIMER_DELAY_SEC, { feature: 'a timer message (delaySeconds)', version: '5.0.0' }],
  [Prop.TIMER_DELAY_MS, { feature: 'a timer message (delayMs)', version: '5.0.0' }],
];

/** The newest version a message's properties need, or undefined for a message any broker takes. */
export function requirementOf(properties: ReadonlyMap<string, string>): Requirement | undefined {
  return NEEDS.find(([property]) => properties.has(property))?.[1];
}

/**
 * Refuses (UNSUPPORTED_BY_BROKER, nothing sent) what the broker at `address` is too old for. A
 * broker not heard from yet is heartbeated first; one that does not answer is left to the send.
 */
export async function checkBrokerVersion(
  remoting: RemotingClient,
  heartbeats: HeartbeatScheduler,
  target: { address: string; brokerName: string; topic: string },
  need: Requirement,
  timeoutMs: number,
): Promise<void> {
  if (remoting.peerVersion(target.address) === undefined) await heartbeats.connect(target.address, timeoutMs);
  const version = remoting.peerVersion(target.address);
  if (version === undefined || version >= BROKER_VERSION_CODES[need.version]) return;
  throw rocketError(
    'UNSUPPORTED_BY_BROKER',
    `${need.feature} needs RocketMQ ${need.version} or later; ${target.brokerName} answers with version code ${version}`,
    { address: target.address, topic: target.topic },
  );
}
