// EventBridge schedule: keeps routes in the table current and lifts isolations of brokers that
// answer again.
import type { ScheduledEvent } from 'aws-lambda';
import { prepareInInit, withProducer } from '../../lib/lambda/index.ts';
import { refreshRoutes, type RefreshSummary } from './refresh.ts';

const topics = (process.env.REFRESH_TOPICS ?? '')
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);

export const handler = withProducer<ScheduledEvent, RefreshSummary>((_event, _context, rocketmq) => refreshRoutes(rocketmq, topics));

// Lambda's init phase: configuration read, producer started and shared state loaded before the first run.
await prepareInInit();
