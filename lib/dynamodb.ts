// The DynamoDB side of the package (its "./dynamodb" entry): broker isolation and routes shared by
// every container (from a Cloudflare Worker too: edgeDynamoDbState), and the transaction ledger with
// the verbs that end transactions from anywhere.
// Its own entry so that a bundle that does not use DynamoDB does not carry the AWS SDK.
export { createStateClient } from './state/dynamodb-item.ts';
export { DynamoDbSharedState, type DynamoDbStateOptions } from './state/dynamodb-state.ts';
export { edgeDynamoDbClient, edgeDynamoDbState, type EdgeAwsBindings } from './state/edge-dynamodb.ts';
export { DynamoDbTransactionLedger, LEDGER_SHARDS, type LedgerEntry, type LedgerState, type TransactionLedgerOptions } from './transactions/ledger.ts';
export {
  Transactions,
  type CheckLocalTransaction,
  type LocalTransactionContext,
  type ResolveSummary,
  type TransactionsOptions,
} from './transactions/transactions.ts';
