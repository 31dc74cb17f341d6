// SQS -> RocketMQ bridge with partial batch responses (ReportBatchItemFailures).
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ConfigError, MetricUnit, type ProducerHandler, prepareInInit, type WarmUp, withProducer } from '../../lib/lambda/index.ts';
import { bridgeRecords, readBridgeConfig } from './bridge.ts';

const config = readBridgeConfig();

const bridge: ProducerHandler<SQSEvent, SQSBatchResponse> = async (event, _context, rocketmq) => {
  const response = await bridgeRecords(event?.Records, rocketmq, config);
  // What an operator alarms on: records SQS will redeliver (and, after maxReceiveCount, dead-letter).
  // Never at the price of the response: a throw here would redeliver records already stored.
  try {
    rocketmq.metrics.addMetric('BridgeRecords', MetricUnit.Count, Array.isArray(event?.Records) ? event.Records.length : 0);
    rocketmq.metrics.addMetric('BridgeRecordsFailed', MetricUnit.Count, response.batchItemFailures.length);
  } catch (err) {
    rocketmq.logger.warn('bridge metrics not recorded', err as Error);
  }
  return response;
};

export const handler = withProducer(bridge);

/** The init phase's warm-up (WARM_UP_TOPIC): one record through this handler, as SQS delivers it. */
export const warmUp: WarmUp = (message, context, engine) => {
  const attribute = (stringValue: string) => ({ stringValue, dataType: 'String' });
  const record = {
    messageId: `warm-up-${Date.now()}`,
    receiptHandle: '',
    body: message.body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
    messageAttributes: {
      [config.topicAttribute]: attribute(message.topic),
      [config.tagsAttribute]: attribute(message.tags),
      ...Object.fromEntries(Object.entries(message.properties).map(([name, value]) => [name, attribute(value)])),
    },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: '',
    awsRegion: '',
  } as unknown as SQSRecord;
  return withProducer(bridge, engine)({ Records: [record] }, context as Context).then((response) => {
    if (response.batchItemFailures.length > 0) throw new ConfigError('WARM_UP_TOPIC', 'the warm-up record was not stored (is it in ALLOWED_TOPICS?)');
  });
};

// Lambda's init phase: the producer started, TARGET_TOPIC's route fetched and its brokers connected.
await prepareInInit(config.targetTopic ? [config.targetTopic] : [], undefined, undefined, warmUp);
