// SQS -> RocketMQ bridge with partial batch responses (ReportBatchItemFailures).
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MetricUnit, prepareInInit, withProducer } from '../../lib/lambda/index.ts';
import { bridgeRecords, readBridgeConfig } from './bridge.ts';

const config = readBridgeConfig();

export const handler = withProducer<SQSEvent, SQSBatchResponse>(async (event, _context, rocketmq) => {
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
});

// Lambda's init phase: the producer started, TARGET_TOPIC's route fetched and its brokers connected.
await prepareInInit(config.targetTopic ? [config.targetTopic] : []);
