// HEART_BEAT (34), client -> broker: no header fields; JSON body HeartbeatData
//   {"clientID":"<id>","producerDataSet":[{"groupName":"<group>"}],"consumerDataSet":[]}
//   The broker records the channel under the group: that is how it finds a producer for
//   CHECK_TRANSACTION_STATE, and a client id for PUSH_REPLY_MESSAGE_TO_CLIENT.
// UNREGISTER_CLIENT (35): extFields clientID (required), producerGroup.
import { BrokerError } from '../errors.ts';
import { RequestCode, ResponseCode } from '../remoting/codes.ts';
import type { RemotingCommand } from '../remoting/command.ts';
import type { RequestCommand } from '../remoting/command.ts';

export function heartbeatRequest(clientId: string, producerGroups: string[]): RequestCommand {
  const body = {
    clientID: clientId,
    producerDataSet: producerGroups.map((groupName) => ({ groupName })),
    consumerDataSet: [],
  };
  return { code: RequestCode.HEART_BEAT, extFields: {}, body: Buffer.from(JSON.stringify(body), 'utf8') };
}

export function unregisterRequest(clientId: string, producerGroup: string): RequestCommand {
  return { code: RequestCode.UNREGISTER_CLIENT, extFields: { clientID: clientId, producerGroup } };
}

/** Both answer SUCCESS or a code; the broker's own version comes back in the header. */
export function parseAck(response: RemotingCommand, address: string): { brokerVersion: number } {
  if (response.code !== ResponseCode.SUCCESS) throw new BrokerError(response.code, response.remark, { address });
  return { brokerVersion: response.version };
}
