// The DynamoDB endpoint of the run (DynamoDB Local unless TEST_DYNAMODB says otherwise), with the
// table definition from infra/: create, write, conditional update, and a losing condition.
import { ConditionalCheckFailedException, DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb.ts';
import { ensureTable, stateTable } from '../../infra/table.ts';

const client = localClient(inject('dynamodbEndpoint'));
const tableName = `smoke-${process.pid}-${Date.now()}`;
const key = { pk: { S: 'BROKER#broker-a' }, sk: { S: 'FAULT' } };

afterAll(() => client.destroy());

describe('DynamoDB endpoint with the state table', () => {
  it('creates the table from infra/ with TTL on the expiry attribute', async (context) => {
    const created = await ensureTable(client, tableName);
    if (!created.ttl) context.skip(); // dynalite has no TTL; DynamoDB Local and AWS do

    const described = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(described.TimeToLiveDescription?.AttributeName).toBe(stateTable.TimeToLiveSpecification.AttributeName);
    expect(described.TimeToLiveDescription?.TimeToLiveStatus).toMatch(/ENABL/);
  });

  it('applies a conditional update whose condition holds', async () => {
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, until: { N: '1000' } } }));

    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #u = :u',
        ConditionExpression: '#u < :u',
        ExpressionAttributeNames: { '#u': 'until' },
        ExpressionAttributeValues: { ':u': { N: '2000' } },
      }),
    );

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    expect(Item?.until?.N).toBe('2000');
  });

  it('refuses a losing condition with ConditionalCheckFailedException and returns the winning item', async () => {
    const losing = client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #u = :u',
        ConditionExpression: '#u < :u',
        ExpressionAttributeNames: { '#u': 'until' },
        ExpressionAttributeValues: { ':u': { N: '1500' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );

    const error = await losing.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item?.until?.N).toBe('2000');
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    expect(Item?.until?.N).toBe('2000');
  });
});
