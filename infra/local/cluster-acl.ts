// ACL for a test cluster, with three accounts:
//   admin     may do anything (ACL 1.0 `admin: true`, ACL 2.0 a Super user); the stack and the
//             tests' read-back use it
//   producer  may publish to TopicTest, TopicBatch and TopicOrder, nothing else
//   outsider  a known account that may publish to TopicBatch only, so TopicTest is refused to it
// ACL 1.0 (4.9.x; removed in 5.3.3): `aclEnable=true` and `$ROCKETMQ_HOME/conf/plain_acl.yml` in
// each broker's home, loaded at start (keys longer than 6 characters; no address is whitelisted,
// so every request's signature is checked). ACL 2.0 (5.3+): authentication and authorization
// switched on in broker.conf with the local (RocksDB) metadata providers; the Super user is made
// by the broker at start (`initAuthenticationUser`), the others by the admin tool, which signs
// with `$ROCKETMQ_HOME/conf/tools.yml`. Name servers have no ACL in either.
import { StackError } from './errors.ts';
import type { RocketMqSite, Role } from './rocketmq.ts';

export interface AclAccount {
  accessKey: string;
  secretKey: string;
}

export interface ClusterCredentials {
  admin: AclAccount;
  producer: AclAccount;
  outsider: AclAccount;
}

export const CLUSTER_CREDENTIALS: ClusterCredentials = {
  admin: { accessKey: 'rocketmqadmin', secretKey: 'rocketmqadmin-secret' },
  producer: { accessKey: 'lambdaproducer', secretKey: 'lambdaproducer-secret' },
  outsider: { accessKey: 'lambdaoutsider', secretKey: 'lambdaoutsider-secret' },
};

export const PRODUCER_TOPICS = ['TopicTest', 'TopicBatch', 'TopicOrder'];
export const OUTSIDER_TOPICS = ['TopicBatch'];

export interface AclSetup {
  generation: '1.0' | '2.0';
  brokerConfig: string[];
  /** rmq-proxy.json keys of a 5.x Proxy in front (ACL 2.0). */
  proxyConfig: Record<string, unknown>;
  homeFiles: (role: Role) => Record<string, string>;
  /** Work once the brokers run (ACL 2.0: the users and their policies). */
  afterStart: (site: RocketMqSite, admin: (args: string[]) => Promise<string>, nameServer: string) => Promise<void>;
}

const { admin, producer, outsider } = CLUSTER_CREDENTIALS;

const toolsYml = `accessKey: ${admin.accessKey}\nsecretKey: ${admin.secretKey}\n`;

function plainAclYml(): string {
  const account = (a: AclAccount, isAdmin: boolean, topics: string[]) =>
    [
      `  - accessKey: ${a.accessKey}`,
      `    secretKey: ${a.secretKey}`,
      `    admin: ${isAdmin}`,
      `    defaultTopicPerm: ${isAdmin ? 'PUB|SUB' : 'DENY'}`,
      '    defaultGroupPerm: SUB',
      ...(topics.length > 0 ? ['    topicPerms:', ...topics.map((t) => `      - ${t}=PUB`)] : []),
    ].join('\n');
  return [
    'globalWhiteRemoteAddresses: []',
    'accounts:',
    account(admin, true, []),
    account(producer, false, PRODUCER_TOPICS),
    account(outsider, false, OUTSIDER_TOPICS),
    '',
  ].join('\n');
}

const AUTH = 'org.apache.rocketmq.auth';
const acl2BrokerConfig = [
  'authenticationEnabled=true',
  `authenticationProvider=${AUTH}.authentication.provider.DefaultAuthenticationProvider`,
  `authenticationMetadataProvider=${AUTH}.authentication.provider.LocalAuthenticationMetadataProvider`,
  'authorizationEnabled=true',
  `authorizationProvider=${AUTH}.authorization.provider.DefaultAuthorizationProvider`,
  `authorizationMetadataProvider=${AUTH}.authorization.provider.LocalAuthorizationMetadataProvider`,
  `initAuthenticationUser={"username":"${admin.accessKey}","password":"${admin.secretKey}"}`,
  // The broker's own client signs with these; the same user as above, so both name one password.
  `innerClientAuthenticationCredentials={"accessKey":"${admin.accessKey}","secretKey":"${admin.secretKey}"}`,
];

/**
 * The proxy checks signatures itself, with users and policies it reads from the brokers
 * (ProxyAuthenticationMetadataProvider); its own calls to the brokers, which check them again,
 * are signed with the inner credentials only when enableAclRpcHookForClusterMode is on.
 */
const acl2ProxyConfig: Record<string, unknown> = {
  ...Object.fromEntries(
    acl2BrokerConfig
      // The users live in the brokers; the proxy only reads them.
      .filter((line) => !line.includes('MetadataProvider') && !line.startsWith('initAuthenticationUser'))
      .map((line) => {
        const at = line.indexOf('=');
        const value = line.slice(at + 1);
        return [line.slice(0, at), value === 'true' ? true : value];
      }),
  ),
  authenticationMetadataProvider: 'org.apache.rocketmq.proxy.auth.ProxyAuthenticationMetadataProvider',
  authorizationMetadataProvider: 'org.apache.rocketmq.proxy.auth.ProxyAuthorizationMetadataProvider',
  enableAclRpcHookForClusterMode: true,
};

/** The admin tool exits 0 whatever happened; success is read from what it printed per broker. */
async function expectSuccess(run: Promise<string>, what: string, brokers: number): Promise<void> {
  const output = await run;
  const successes = output.match(/success/gi)?.length ?? 0;
  if (successes < brokers) throw new StackError(`${what} failed:\n${output.split('\n').slice(-15).join('\n')}`);
}

export function aclSetup(generation: '1.0' | '2.0', brokers: number): AclSetup {
  if (generation === '1.0') {
    return {
      generation,
      brokerConfig: ['aclEnable=true'],
      proxyConfig: {},
      homeFiles: (role): Record<string, string> =>
        role === 'broker' ? { 'conf/plain_acl.yml': plainAclYml() } : role === 'admin' ? { 'conf/tools.yml': toolsYml } : {},
      afterStart: async () => undefined,
    };
  }
  return {
    generation,
    brokerConfig: acl2BrokerConfig,
    proxyConfig: acl2ProxyConfig,
    homeFiles: (role): Record<string, string> => (role === 'admin' ? { 'conf/tools.yml': toolsYml } : {}),
    afterStart: async (site, run, nameServer) => {
      const target = ['-n', nameServer, '-c', site.cluster];
      for (const [user, topics] of [
        [producer, PRODUCER_TOPICS],
        [outsider, OUTSIDER_TOPICS],
      ] as const) {
        await expectSuccess(
          run(['createUser', ...target, '-u', user.accessKey, '-p', user.secretKey, '-t', 'Normal']),
          `createUser ${user.accessKey}`,
          brokers,
        );
        const resources = topics.map((t) => `Topic:${t}`).join(',');
        await expectSuccess(
          run(['createAcl', ...target, '-s', `User:${user.accessKey}`, '-r', resources, '-a', 'Pub', '-d', 'Allow']),
          `createAcl ${user.accessKey}`,
          brokers,
        );
      }
    },
  };
}
