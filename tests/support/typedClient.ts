// How the backoffice and the mobile app call the API: the typed documents codegen makes from
// schema/operations/<client>.graphql (schema/generated/<client>.ts), so results and variables
// are checked by the compiler. Queries and mutations over HTTP, subscriptions over graphql-ws.
import { print } from "graphql";
import type { Client } from "graphql-ws";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { gql as send, type GraphQLResponse } from "./graphql.ts";
import { subscribe as subscribeSource, type Subscription } from "./ws.ts";

export async function execute<TResult, TVariables extends Record<string, unknown>>(
  url: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<GraphQLResponse<TResult>> {
  return send<TResult>(url, print(document), variables, { token });
}

/**
 * A typed subscription on a graphql-ws client (ws.ts `wsClient`, which carries the token in its
 * connectionParams): each event's data has the document's result type.
 */
export function subscribe<TResult, TVariables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Subscription<TResult> {
  return subscribeSource<TResult>(client, print(document), variables);
}
