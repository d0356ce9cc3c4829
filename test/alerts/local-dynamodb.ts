/**
 * A DynamoDB-compatible server in this process (dynalite, in memory) and a real DynamoDBClient
 * pointed at it: the store's requests go over HTTP with the DynamoDB JSON protocol, and the
 * server checks key schemas and condition expressions as DynamoDB does.
 */
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /** A fresh table with the alert state's key schema. */
  createTable: (name?: string) => Promise<string>;
  close: () => Promise<void>;
}

let tables = 0;

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" },
    maxAttempts: 1,
  });
  return {
    client,
    endpoint,
    createTable: async (name = `alerts-${++tables}`) => {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
          ],
        }),
      );
      return name;
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
