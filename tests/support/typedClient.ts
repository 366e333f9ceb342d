// How the backoffice calls the API: the typed documents codegen makes from
// schema/operations/*.graphql, so results and variables are checked by the compiler.
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { gql as send, type GraphQLResponse } from "./graphql.ts";

export async function execute<TResult, TVariables extends Record<string, unknown>>(
  url: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<GraphQLResponse<TResult>> {
  return send<TResult>(url, print(document), variables, { token });
}
