// GET_ROUTEINFO_BY_TOPIC (105), client -> name server (GetRouteInfoRequestHeader):
//   extFields: topic, acceptStandardJsonOnly ("true": 4.9.4+ name servers then answer standard
//   JSON whatever our version says)
//   response: SUCCESS with a TopicRouteData JSON body, or TOPIC_NOT_EXIST (17).
import { BrokerError } from '../errors.ts';
import { RequestCode, ResponseCode } from '../remoting/codes.ts';
import type { RemotingCommand } from '../remoting/command.ts';
import type { RequestCommand } from '../remoting/command.ts';
import { parseTopicRouteData, type TopicRouteData } from './topic-route.ts';

export function routeRequest(topic: string): RequestCommand {
  return {
    code: RequestCode.GET_ROUTEINFO_BY_TOPIC,
    extFields: { topic, acceptStandardJsonOnly: 'true' },
  };
}

export interface RouteResponse {
  code: number;
  remark?: string;
  route?: TopicRouteData;
}

/** Pure: any code decodes; a success body is parsed (standard or legacy JSON). */
export function decodeRouteResponse(response: RemotingCommand): RouteResponse {
  const decoded: RouteResponse = { code: response.code };
  if (response.remark !== undefined) decoded.remark = response.remark;
  if (response.code === ResponseCode.SUCCESS && response.body) decoded.route = parseTopicRouteData(response.body);
  return decoded;
}

/** The route, null for a topic the name server does not know, or a BrokerError for other codes. */
export function parseRouteResponse(decoded: RouteResponse, topic: string, address: string): TopicRouteData | null {
  if (decoded.code === ResponseCode.TOPIC_NOT_EXIST) return null;
  if (decoded.code !== ResponseCode.SUCCESS || !decoded.route) {
    throw new BrokerError(decoded.code, decoded.remark ?? 'no route body', { address, topic });
  }
  return decoded.route;
}
