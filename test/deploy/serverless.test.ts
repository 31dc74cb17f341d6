// serverless.yml packaged offline (osls 3, dummy parameters, no AWS account), and the generated
// CloudFormation template checked for what the deployment promises.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../infra/build.ts';
import tableDefinition from '../../infra/state-table.json' with { type: 'json' };

// biome-ignore lint/suspicious/noExplicitAny: parsed CloudFormation JSON, whose shape the assertions check
type Resource = { Type: string; Condition?: string; Properties: Record<string, any> };
const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'sls-'));
const params = {
  namesrvAddr: '10.0.1.10:9876;10.0.2.10:9876',
  vpcId: 'vpc-0abc',
  subnetIds: 'subnet-a,subnet-b',
  securityGroupIds: 'sg-1',
  routeTableIds: 'rtb-a,rtb-b',
};

let packaged = 0;

async function packageService(extra: Record<string, string> = {}): Promise<Record<string, Resource>> {
  const out = join(scratch, String(packaged++)); // one folder per packaging, never reused
  const args = [join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'ci', '--package', out];
  for (const [k, v] of Object.entries({ ...params, ...extra })) args.push(`--param=${k}=${v}`);
  await promisify(execFile)(process.execPath, args, {
    cwd: root,
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    timeout: 120_000,
  });
  return JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}

let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (type: string) => ofType(type)[0]![1].Properties;

beforeAll(async () => {
  await buildFunctions({ src: join(root, 'functions'), out: join(root, 'dist') });
  resources = await packageService();
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('packaged CloudFormation template', () => {
  it('deploys four nodejs24.x arm64 functions, VPC-attached through the parameters', () => {
    const functions = ofType('AWS::Lambda::Function').map(([, r]) => r.Properties);

    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.VpcConfig).toEqual({ SubnetIds: { 'Fn::Split': [',', 'subnet-a,subnet-b'] }, SecurityGroupIds: { 'Fn::Split': [',', 'sg-1'] } });
      expect(fn.Environment.Variables).toMatchObject({
        NAMESRV_ADDR: params.namesrvAddr,
        STATE_TABLE: { Ref: 'StateTable' },
        ROCKETMQ_SERIALIZE_TYPE: 'ROCKETMQ',
      });
    }
  });

  it('publishes to no topic for outside callers until the allowedTopics parameter lists some', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) expect(fn.Properties.Environment.Variables.ALLOWED_TOPICS).toBe('');
  });

  it('lets the functions read exactly the one secret named by secretArn, and nothing without it', async () => {
    const arn = 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/rocketmq/secret-key';
    const withSecret = await packageService({ accessKey: 'producerAK', secretKey: 'ssm:/prod/rocketmq/secret-key', secretArn: arn });

    const policy = withSecret.SecretReadPolicy!;
    expect(policy.Condition).toBe('HasSecret');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue'], Resource: arn },
    ]);
    expect(withSecret.IamRoleLambdaExecution!.Properties.ManagedPolicyArns).toContainEqual({
      'Fn::If': ['HasSecret', { Ref: 'SecretReadPolicy' }, { Ref: 'AWS::NoValue' }],
    });
    for (const [, fn] of Object.entries(withSecret).filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ ROCKETMQ_ACCESS_KEY: 'producerAK', ROCKETMQ_SECRET_KEY: 'ssm:/prod/rocketmq/secret-key' });
    }
    expect(resources.SecretReadPolicy!.Condition).toBe('HasSecret'); // without a secret the condition is false: no policy
  }, 180_000);

  it('feeds the bridge from SQS with partial batch responses and a concurrency cap', () => {
    const mapping = one('AWS::Lambda::EventSourceMapping');

    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
    expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': ['SourceQueue', 'Arn'] });
  });

  it('gives the source queue a visibility timeout of at least 6 times the bridge timeout and a DLQ', () => {
    const bridge = resources.SqsBridgeLambdaFunction!.Properties;
    const queue = resources.SourceQueue!.Properties;

    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * bridge.Timeout);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['SourceDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
  });

  it('keeps the visibility timeout at least 6 times the bridge timeout when the bridge timeout is raised', async () => {
    const raised = await packageService({ bridgeTimeout: '50' });
    const bridge = raised.SqsBridgeLambdaFunction!.Properties;
    const queue = raised.SourceQueue!.Properties;

    expect(bridge.Timeout).toBe(50);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * bridge.Timeout);
  });

  it('creates the state table exactly as infra/state-table.json defines it: on-demand, TTL, PITR', () => {
    const table = resources.StateTable!.Properties;

    expect(table).toEqual(tableDefinition);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
  });

  it('adds a DynamoDB gateway endpoint on the Lambda subnets route tables', () => {
    const endpoint = one('AWS::EC2::VPCEndpoint');

    expect(endpoint.VpcEndpointType).toBe('Gateway');
    expect(endpoint.VpcId).toBe('vpc-0abc');
    expect(endpoint.RouteTableIds).toEqual({ 'Fn::Split': [',', 'rtb-a,rtb-b'] });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
    expect(endpoint.ServiceName).toEqual({ 'Fn::Sub': 'com.amazonaws.${AWS::Region}.dynamodb' });
  });

  it('grants on the table only the DynamoDB actions the code calls, and nothing on *', () => {
    const statements = resources.IamRoleLambdaExecution!.Properties.Policies.flatMap(
      (p: { PolicyDocument: { Statement: { Action: string | string[] }[] } }) => p.PolicyDocument.Statement,
    );
    const dynamo = statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));

    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
        Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
      },
    ]);
    // The shared state, the transaction ledger and Powertools Idempotency's DynamoDB layer (the publish
    // function's keyed requests): the functions' only DynamoDB callers.
    const source = [
      'lib/state/dynamodb-state.ts',
      'lib/state/dynamodb-item.ts',
      'lib/transactions/ledger.ts',
      'node_modules/@aws-lambda-powertools/idempotency/lib/esm/persistence/DynamoDBPersistenceLayer.js',
    ]
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    const called = [...source.matchAll(/new (\w+)Command\(/g)].map((m) => `dynamodb:${m[1]}`);
    expect(new Set(called)).toEqual(new Set(dynamo[0].Action));
  });

  it('protects the publish routes with IAM auth by default, and can leave them open on request', async () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const open = Object.values(await packageService({ httpAuthorizer: 'none' }))
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties);

    expect(routes.map((r) => r.RouteKey).sort()).toEqual([
      'DELETE /topics/{topic}/messages/{recallHandle}',
      'POST /topics/{topic}/messages',
      'POST /topics/{topic}/messages/batch',
      'POST /topics/{topic}/transactions',
      'POST /transactions/{transactionId}/{decision}',
    ]);
    expect(routes.every((r) => r.AuthorizationType === 'AWS_IAM')).toBe(true);
    expect(open.every((r) => r.AuthorizationType === undefined || r.AuthorizationType === 'NONE')).toBe(true);
  });

  it('schedules the route refresh every 5 minutes and the transaction resolver every minute', () => {
    const rules = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties.ScheduleExpression)
      .sort();
    expect(rules).toEqual(['rate(1 minute)', 'rate(5 minutes)']);
  });

  it('gives operators a dashboard and alarms on metrics the code really publishes, notifying a topic only when given', async () => {
    const source = ['lib/lambda/engine.ts', 'functions/sqs-bridge/index.ts', 'functions/transaction-resolver/resolve.ts']
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    // addMetric('Name', ...) calls, and the engine's table of per-invocation metrics (Name: ['counter', ...]).
    const emitted = new Set([...source.matchAll(/addMetric\('(\w+)'/g), ...source.matchAll(/^\s+(\w+): \['\w+'(?:, '\w+')*\],$/gm)].map((m) => m[1]!));
    const body = JSON.parse(one('AWS::CloudWatch::Dashboard').DashboardBody['Fn::Sub']) as { widgets: { properties: { metrics: unknown[][] } }[] };
    const charted = body.widgets.flatMap((w) => w.properties.metrics).filter((m) => m[0] === 'RocketMQLambda');
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const withTopic = Object.values(await packageService({ alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops' })).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm',
    );

    expect(charted.length).toBeGreaterThan(10);
    for (const metric of charted) expect(emitted, `dashboard metric ${metric[1]}`).toContain(metric[1]);
    const ours = alarms.filter((a) => a.Namespace === 'RocketMQLambda');
    for (const a of ours) expect(emitted, `alarm metric ${a.MetricName}`).toContain(a.MetricName);
    expect(ours.map((a) => a.MetricName).sort()).toEqual(['BridgeRecordsFailed', 'IsolationsSeen', 'SendFailures', 'TransactionOldestPendingAge']);
    expect(alarms.find((a) => a.Namespace === 'AWS/SQS')?.Dimensions[0].Value).toEqual({ 'Fn::GetAtt': ['SourceDeadLetterQueue', 'QueueName'] });
    expect(alarms.every((a) => a.AlarmActions === undefined)).toBe(true);
    expect(withTopic.every((a) => a.Properties.AlarmActions?.[0] === 'arn:aws:sns:us-east-1:123456789012:ops')).toBe(true);
  });
});

describe('Lambda Managed Instances (deploy parameter managedInstances)', () => {
  const managed = ['PublishLambdaFunction', 'SqsBridgeLambdaFunction'];
  const classic = ['RouteRefreshLambdaFunction', 'TransactionResolverLambdaFunction'];
  const lmiParams = {
    managedInstances: 'on',
    managedInstancesMaxConcurrency: '32',
    managedInstancesMemoryPerVCpu: '4',
    managedInstancesInstanceTypes: 'm7g.large,c7g.xlarge',
    managedInstancesMaxVCpu: '48',
    subnetIds: 'subnet-c,subnet-d,subnet-e',
    securityGroupIds: 'sg-2,sg-3',
  };
  let lmi: Record<string, Resource>;
  const lmiOfType = (type: string) => Object.entries(lmi).filter(([, r]) => r.Type === type);
  const versioned = (template: Record<string, Resource>) =>
    Object.values(template)
      .filter((r) => r.Type === 'AWS::Lambda::Version')
      .map((r) => r.Properties.FunctionName.Ref)
      .sort();

  /** What packaging printed when it refused, or a failure when it did not refuse. */
  async function refusal(extra: Record<string, string>): Promise<string> {
    try {
      await packageService(extra);
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      return `${stdout}${stderr}`;
    }
    throw new Error(`packaged with ${JSON.stringify(extra)}`);
  }

  beforeAll(async () => {
    lmi = await packageService(lmiParams);
  }, 180_000);

  it('is off by default: no capacity provider and every function classic, in the VPC, with numbered versions', () => {
    expect(ofType('AWS::Lambda::CapacityProvider')).toEqual([]);
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.CapacityProviderConfig).toBeUndefined();
      expect(fn.Properties.PublishToLatestPublished).toBeUndefined();
      expect(fn.Properties.MemorySize).toBe(512);
      expect(fn.Properties.VpcConfig).toBeDefined();
    }
    expect(versioned(resources)).toEqual([...managed, ...classic].sort());
    // The same service with the one parameter turned on does have them.
    expect(lmiOfType('AWS::Lambda::CapacityProvider')).toHaveLength(1);
  });

  it('puts one capacity provider in the given subnets and security groups, arm64 like the functions, run by an operator role', () => {
    const [[, provider]] = lmiOfType('AWS::Lambda::CapacityProvider') as [[string, Resource]];
    const role = lmi.ManagedInstancesOperatorRole!;

    expect(lmiOfType('AWS::Lambda::CapacityProvider')).toHaveLength(1);
    expect(provider.Properties.VpcConfig).toEqual({
      SubnetIds: { 'Fn::Split': [',', 'subnet-c,subnet-d,subnet-e'] },
      SecurityGroupIds: { 'Fn::Split': [',', 'sg-2,sg-3'] },
    });
    expect(provider.Properties.InstanceRequirements).toEqual({ Architectures: ['arm64'], AllowedInstanceTypes: ['m7g.large', 'c7g.xlarge'] });
    expect(provider.Properties.CapacityProviderScalingConfig).toEqual({ MaxVCpuCount: 48 });
    expect(provider.Properties.PermissionsConfig).toEqual({ CapacityProviderOperatorRoleArn: { 'Fn::GetAtt': ['ManagedInstancesOperatorRole', 'Arn'] } });
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toMatchObject([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
    expect(role.Properties.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator' }]);
  });

  it('runs the publish API and the SQS bridge there with the concurrency and memory per vCPU asked for, the scheduled two classic', () => {
    for (const name of managed) {
      const fn = lmi[name]!.Properties;
      expect(fn.CapacityProviderConfig, name).toEqual({
        LambdaManagedInstancesCapacityProviderConfig: {
          CapacityProviderArn: { 'Fn::GetAtt': ['ManagedInstancesCapacityProvider', 'Arn'] },
          PerExecutionEnvironmentMaxConcurrency: 32,
          ExecutionEnvironmentMemoryGiBPerVCpu: 4,
        },
      });
      expect(fn.MemorySize, name).toBe(4096); // one vCPU per execution environment
      expect(fn.VpcConfig, name).toBeUndefined(); // in the VPC through the capacity provider
      expect(fn.Runtime, name).toBe('nodejs24.x');
      expect(fn.Architectures, name).toEqual(['arm64']);
    }
    // A few short runs an hour: classic Lambda, as with managedInstances off.
    for (const name of classic) {
      const fn = lmi[name]!.Properties;
      expect(fn.CapacityProviderConfig, name).toBeUndefined();
      expect(fn.PublishToLatestPublished, name).toBeUndefined();
      expect(fn.MemorySize, name).toBe(512);
      expect(fn.VpcConfig, name).toEqual(lmi.ManagedInstancesCapacityProvider!.Properties.VpcConfig);
    }
  });

  it('runs only published versions there: $LATEST.PUBLISHED republished each deploy, no numbered version per deploy', () => {
    for (const name of managed) expect(lmi[name]!.Properties.PublishToLatestPublished, name).toBe(true);
    expect(versioned(lmi)).toEqual(classic);
    // Unqualified ARNs, which Lambda resolves to $LATEST.PUBLISHED for a function on a capacity provider.
    expect(lmi.HttpApiIntegrationPublish!.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': ['PublishLambdaFunction', 'Arn'] });
    expect(lmiOfType('AWS::Lambda::EventSourceMapping')[0]![1].Properties.FunctionName).toEqual({ 'Fn::GetAtt': ['SqsBridgeLambdaFunction', 'Arn'] });
  });

  it('defaults to 64 concurrent invocations and 2 GiB per vCPU, with Lambda choosing the instances and no vCPU ceiling', async () => {
    const on = await packageService({ managedInstances: 'on' });
    const provider = Object.values(on).find((r) => r.Type === 'AWS::Lambda::CapacityProvider')!;

    for (const name of managed) {
      expect(on[name]!.Properties.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig).toMatchObject({
        PerExecutionEnvironmentMaxConcurrency: 64,
        ExecutionEnvironmentMemoryGiBPerVCpu: 2,
      });
      expect(on[name]!.Properties.MemorySize).toBe(2048); // the least LMI takes
    }
    expect(provider.Properties.InstanceRequirements).toEqual({ Architectures: ['arm64'] });
    expect(provider.Properties.CapacityProviderScalingConfig).toBeUndefined();
  }, 180_000);

  it('refuses at package time a concurrency outside 1-1600, a memory per vCPU other than 2, 4 or 8, and an unknown mode', async () => {
    const [zero, tooMany, one, nine, three, yes] = await Promise.all([
      refusal({ managedInstances: 'on', managedInstancesMaxConcurrency: '0' }),
      refusal({ managedInstances: 'on', managedInstancesMaxConcurrency: '1601' }),
      refusal({ managedInstances: 'on', managedInstancesMemoryPerVCpu: '1' }),
      refusal({ managedInstances: 'on', managedInstancesMemoryPerVCpu: '9' }),
      refusal({ managedInstances: 'on', managedInstancesMemoryPerVCpu: '3' }),
      refusal({ managedInstances: 'yes' }),
    ]);

    expect(zero).toContain('param managedInstancesMaxConcurrency must be a whole number from 1 to 1600, not "0"');
    expect(tooMany).toContain('param managedInstancesMaxConcurrency must be a whole number from 1 to 1600, not "1601"');
    expect(one).toContain('param managedInstancesMemoryPerVCpu must be one of 2, 4, 8 (GiB per vCPU), not 1');
    expect(nine).toContain('param managedInstancesMemoryPerVCpu must be one of 2, 4, 8 (GiB per vCPU), not 9');
    expect(three).toContain('param managedInstancesMemoryPerVCpu must be one of 2, 4, 8 (GiB per vCPU), not 3');
    expect(yes).toContain('param managedInstances must be "on" or "off", not "yes"');
  }, 180_000);
});
