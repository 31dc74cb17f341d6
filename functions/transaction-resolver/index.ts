// EventBridge schedule: ends the transactions nobody ended (see resolve.ts).
import type { ScheduledEvent } from 'aws-lambda';
import type { ResolveSummary } from '../../lib/dynamodb.ts';
import { prepareInInit, withProducer } from '../../lib/lambda/index.ts';
import { resolveTransactions } from './resolve.ts';

export const handler = withProducer<ScheduledEvent, ResolveSummary | { disabled: true }>((_event, _context, rocketmq) => resolveTransactions(rocketmq));

// Lambda's init phase: configuration read, producer started and shared state loaded before the first run.
await prepareInInit();
