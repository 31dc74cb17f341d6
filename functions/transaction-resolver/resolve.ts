// The transaction resolver, on a schedule (every minute): ends every transaction past its due time
// that nobody ended (the ledger's decision, else TRANSACTION_ON_TIMEOUT), well inside the broker's
// check window. One summary line and EMF metrics per run, so pending transactions and their age
// are visible to an operator.
import type { ResolveSummary } from '../../lib/dynamodb.ts';
import { type Invocation, MetricUnit } from '../../lib/lambda/index.ts';

export async function resolveTransactions(invocation: Invocation): Promise<ResolveSummary | { disabled: true }> {
  if (!invocation.transactions) {
    invocation.logger.warn('transaction resolver: no state table (STATE_TABLE), nothing to resolve');
    return { disabled: true };
  }
  const summary = await invocation.transactions.resolve({ deadline: invocation.deadline });
  const { metrics } = invocation;
  metrics.addMetric('TransactionsDue', MetricUnit.Count, summary.due);
  metrics.addMetric('TransactionsCommitted', MetricUnit.Count, summary.committed);
  metrics.addMetric('TransactionsRolledBack', MetricUnit.Count, summary.rolledBack);
  metrics.addMetric('TransactionsExpired', MetricUnit.Count, summary.expired);
  metrics.addMetric('TransactionErrors', MetricUnit.Count, summary.errors);
  metrics.addMetric('TransactionOldestPendingAge', MetricUnit.Milliseconds, summary.oldestPendingMs);
  invocation.logger.info('transaction resolver', { ...summary });
  return summary;
}
