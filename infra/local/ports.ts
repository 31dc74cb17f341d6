// Every port of one local stack, from STACK_PORT_OFFSET. Offset 0 is the documented layout; an
// offset shifts every port by that many.
//
// The eleven ports sit in four groups at most four ports wide (DynamoDB Local, dynalite and a 5.x
// Proxy's remoting and gRPC ports; the name server; each broker with its VIP and HA ports), and the
// two closest groups (the brokers) are 997 ports apart. Offsets that differ by 4 to 996 therefore never make two stacks share a port, while
// 1 to 3 would overlap inside a group and 1000 puts broker-b where broker-a was. Accepting only
// multiples of 10 from 0 to 990 keeps every pair of stacks in that safe band and every port valid.
import { createServer } from 'node:net';
import type { BrokerName } from './config.ts';
import { StackError } from './errors.ts';

export const OFFSET_STEP = 10;
export const MAX_OFFSET = 990;

export interface BrokerPorts {
  listen: number;
  /** BrokerController opens its VIP ("fast remoting") channel on listenPort - 2, not configurable. */
  vip: number;
  ha: number;
}

export interface StackPorts {
  nameServer: number;
  dynamodbLocal: number;
  /** dynalite, embedded in `npm start`. */
  dynalite: number;
  brokers: Record<BrokerName, BrokerPorts>;
  /** A RocketMQ 5 Proxy in front of the cluster (test clusters only): remoting and gRPC. */
  proxy: { remoting: number; grpc: number };
}

function brokerPorts(listen: number): BrokerPorts {
  return { listen, vip: listen - 2, ha: listen + 1 };
}

export function stackPorts(offset: number): StackPorts {
  return {
    nameServer: 19876 + offset,
    dynamodbLocal: 18000 + offset,
    dynalite: 18001 + offset,
    brokers: { 'broker-a': brokerPorts(20911 + offset), 'broker-b': brokerPorts(21911 + offset) },
    proxy: { remoting: 18002 + offset, grpc: 18003 + offset },
  };
}

export function allPorts(ports: StackPorts): number[] {
  const brokers = Object.values(ports.brokers).flatMap((b) => [b.vip, b.listen, b.ha]);
  return [ports.dynamodbLocal, ports.dynalite, ports.proxy.remoting, ports.proxy.grpc, ports.nameServer, ...brokers];
}

/** Reads STACK_PORT_OFFSET (unset or empty is 0); a value that could collide throws a StackError. */
export function parsePortOffset(raw: string | undefined): number {
  const text = (raw ?? '').trim();
  if (text === '') return 0;
  if (!/^-?\d+$/.test(text)) {
    throw new StackError(`STACK_PORT_OFFSET must be a whole number, not "${text}".`);
  }
  const offset = Number(text);
  if (offset < 0 || offset > MAX_OFFSET || offset % OFFSET_STEP !== 0) {
    throw new StackError(
      `STACK_PORT_OFFSET=${text} is refused: use a multiple of ${OFFSET_STEP} from 0 to ${MAX_OFFSET}, ` +
        'so that every port stays valid and no two local stacks share one.',
    );
  }
  return offset;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // The broker's HA service binds every interface, so check the wildcard address.
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** The ports of `ports` something is already listening on. */
export async function portsInUse(ports: number[]): Promise<number[]> {
  const taken: number[] = [];
  for (const port of ports) if (!(await portFree(port))) taken.push(port);
  return taken;
}
