// The state table, defined once in state-table.json (CloudFormation `Properties` of an
// AWS::DynamoDB::Table). serverless.yml includes that file as is; local runs and tests create the
// same table from it through the SDK.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import definition from './state-table.json' with { type: 'json' };

export const stateTable = definition;

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: definition.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: definition.KeySchema as CreateTableCommandInput['KeySchema'],
  };
}

/**
 * Creates the table if it does not exist and turns TTL on. Point-in-time recovery and encryption
 * are deployment settings that local endpoints do not model, so they are left to CloudFormation.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<{ ttl: boolean }> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ttl = definition.TimeToLiveSpecification;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: ttl.Enabled },
      }),
    );
  } catch (err) {
    // dynalite has no TTL at all; readers skip expired items themselves, so it still works.
    if ((err as Error).name === 'UnknownOperationException') return { ttl: false };
    // Setting TTL twice is refused ("TimeToLive is already enabled"); the state wanted is there.
    if (!/already enabled/i.test((err as Error).message)) throw err;
  }
  return { ttl: true };
}
