// SQS -> RocketMQ bridge with partial batch responses (ReportBatchItemFailures).
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { withProducer } from '../../lib/lambda/index.ts';
import { bridgeRecords, readBridgeConfig } from './bridge.ts';

const config = readBridgeConfig();

export const handler = withProducer<SQSEvent, SQSBatchResponse>((event, _context, rocketmq) => bridgeRecords(event?.Records, rocketmq, config));
