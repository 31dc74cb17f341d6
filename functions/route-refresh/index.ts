// EventBridge schedule: keeps routes in the table current and lifts isolations of brokers that
// answer again.
import type { ScheduledEvent } from 'aws-lambda';
import { withProducer } from '../../lib/lambda/index.ts';
import { refreshRoutes, type RefreshSummary } from './refresh.ts';

const topics = (process.env.REFRESH_TOPICS ?? '')
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);

export const handler = withProducer<ScheduledEvent, RefreshSummary>((_event, _context, rocketmq) => refreshRoutes(rocketmq, topics));
