// The operator's view of a deployment, as CloudFormation: one CloudWatch dashboard and the alarms
// that say something needs a human. serverless.yml includes it through
// ${file(./infra/observability.cjs):resources}. Metric names are the EMF metrics the functions
// publish (Powertools Metrics, dimension `service`); the deploy test checks that each one named
// here is one the code emits.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} here are CloudFormation Fn::Sub placeholders
'use strict';

const FUNCTIONS = {
  publish: 'PublishLambdaFunction',
  sqsBridge: 'SqsBridgeLambdaFunction',
  routeRefresh: 'RouteRefreshLambdaFunction',
  transactionResolver: 'TransactionResolverLambdaFunction',
};

const PERIOD = 60;

/** A line chart of our own metrics, one series per [name, stat]. */
function ours(title, namespace, service, series, options = {}) {
  return {
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region: '${AWS::Region}',
      view: 'timeSeries',
      period: PERIOD,
      metrics: series.map(([name, stat]) => [namespace, name, 'service', service, { stat }]),
      ...options,
    },
  };
}

function dashboard(namespace, service) {
  const lambda = (metric, stat) =>
    Object.entries(FUNCTIONS).map(([name, id]) => ['AWS/Lambda', metric, 'FunctionName', `\${${id}}`, { stat, label: `${name} ${metric}` }]);
  const widgets = [
    ours('Sends', namespace, service, [
      ['Sends', 'Sum'],
      ['SendFailures', 'Sum'],
      ['SendRetries', 'Sum'],
      ['SendAttempts', 'Sum'],
    ]),
    ours('Send latency (ms)', namespace, service, [
      ['SendLatency', 'p50'],
      ['SendLatency', 'p99'],
      ['SendLatency', 'Maximum'],
    ]),
    ours('Brokers: isolation and stale sockets', namespace, service, [
      ['IsolationsSeen', 'Sum'],
      ['IsolationsLearned', 'Sum'],
      ['IsolationsLifted', 'Sum'],
      ['IsolationProbes', 'Sum'],
      ['StaleReconnects', 'Sum'],
    ]),
    ours('SQS bridge', namespace, service, [
      ['BridgeRecords', 'Sum'],
      ['BridgeRecordsFailed', 'Sum'],
    ]),
    {
      type: 'metric',
      width: 12,
      height: 6,
      properties: {
        title: 'Dead-letter queue depth',
        region: '${AWS::Region}',
        view: 'timeSeries',
        period: PERIOD,
        metrics: [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${SourceDeadLetterQueue.QueueName}', { stat: 'Maximum' }]],
      },
    },
    ours('Transactions', namespace, service, [
      ['TransactionsCommitted', 'Sum'],
      ['TransactionsRolledBack', 'Sum'],
      ['TransactionsExpired', 'Sum'],
      ['TransactionErrors', 'Sum'],
    ]),
    ours('Oldest pending transaction (ms)', namespace, service, [['TransactionOldestPendingAge', 'Maximum']]),
    ours('Shared state (DynamoDB)', namespace, service, [
      ['StateReads', 'Sum'],
      ['StateWrites', 'Sum'],
      ['StateErrors', 'Sum'],
      ['ColdStart', 'Sum'],
    ]),
    {
      type: 'metric',
      width: 24,
      height: 6,
      properties: {
        title: 'Functions: errors, throttles, p99 duration',
        region: '${AWS::Region}',
        view: 'timeSeries',
        period: PERIOD,
        metrics: [...lambda('Errors', 'Sum'), ...lambda('Throttles', 'Sum'), ...lambda('Duration', 'p99')],
      },
    },
  ];
  return { widgets };
}

/** An alarm on one of our metrics, or on another namespace's when `dimensions` say so. */
function alarm(description, metric, { namespace, service, topic, stat = 'Sum', threshold = 1, dimensions, periods = 1 }) {
  const actions = topic ? { AlarmActions: [topic], OKActions: [topic] } : {};
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions ?? [{ Name: 'service', Value: service }],
      Statistic: stat,
      Period: 300,
      EvaluationPeriods: periods,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ...actions,
    },
  };
}

module.exports.resources = async ({ resolveConfigurationProperty, resolveVariable }) => {
  const env = await resolveConfigurationProperty(['provider', 'environment']);
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE;
  const service = env.POWERTOOLS_SERVICE_NAME;
  if (!namespace || !service) throw new Error('provider.environment needs POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME');
  const topic = (await resolveVariable('param:alarmTopicArn')) || undefined;
  const sendFailures = Number(await resolveVariable('param:alarmSendFailures'));
  if (!Number.isInteger(sendFailures) || sendFailures < 1) throw new Error('param alarmSendFailures must be a whole number of at least 1');
  const ns = { namespace, service, topic };
  return {
    Resources: {
      OperatorDashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: {
          DashboardName: { 'Fn::Sub': '${AWS::StackName}' },
          DashboardBody: { 'Fn::Sub': JSON.stringify(dashboard(namespace, service)) },
        },
      },
      SendFailuresAlarm: alarm('Sends failed after every retry: a caller got a 5xx or a record went back to SQS', 'SendFailures', {
        ...ns,
        threshold: sendFailures,
      }),
      BrokerIsolatedAlarm: alarm('A broker was isolated: it failed or answered slowly, and sends avoid it', 'IsolationsSeen', ns),
      BridgeRecordsFailedAlarm: alarm('SQS records not confirmed by a broker; SQS redelivers them', 'BridgeRecordsFailed', ns),
      DeadLetterQueueAlarm: alarm('Records reached the dead-letter queue after maxReceiveCount failed deliveries', 'ApproximateNumberOfMessagesVisible', {
        namespace: 'AWS/SQS',
        topic,
        stat: 'Maximum',
        dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SourceDeadLetterQueue', 'QueueName'] } }],
      }),
      TransactionsPendingAlarm: alarm(
        'A transaction is pending past 5 minutes: the resolver is failing or behind, and the broker check window closes at about 7.5',
        'TransactionOldestPendingAge',
        { ...ns, stat: 'Maximum', threshold: 300_000 },
      ),
    },
  };
};

module.exports.FUNCTIONS = FUNCTIONS;
