// A tiny GraphQL-over-HTTP client, as the mobile app and backoffice speak to us.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { SUBGRAPH_SECRET_HEADER } from "@melodi/kit";
import { TEST_SUBGRAPH_SECRET } from "./keys.ts";

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      // Subgraphs answer only the router; the router itself ignores the header.
      [SUBGRAPH_SECRET_HEADER]: TEST_SUBGRAPH_SECRET,
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: GraphQLResponse["errors"] };
  return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
}

/** The `extensions.code` of each error (over HTTP or in process). */
export function codes(res: { errors?: readonly { extensions?: Record<string, unknown> }[] }): string[] {
  return (res.errors ?? []).map((e) => e.extensions?.code as string);
}

export function unique(prefix = "u"): string {
  return `${prefix}${randomBytes(5).toString("hex")}`;
}

export const PASSWORD = "correct horse battery";

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      user { id profile { handle displayName } }
      session { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt }
      userErrors { field message code }
    }
  }
`;

export interface TestAccount {
  id: string;
  email: string;
  handle: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers a new account through the API and returns its tokens. */
export async function register(
  url: string,
  overrides: Partial<{ email: string; handle: string; password: string; displayName: string }> = {},
): Promise<TestAccount> {
  const handle = overrides.handle ?? unique();
  const email = overrides.email ?? `${handle}@example.com`;
  const password = overrides.password ?? PASSWORD;
  const res = await gql(url, REGISTER, { input: { email, handle, password, displayName: overrides.displayName } });
  expect(res.errors).toBeUndefined();
  expect(res.data.register.userErrors).toEqual([]);
  const { user, session } = res.data.register;
  return { id: user.id, email, handle, password, accessToken: session.accessToken, refreshToken: session.refreshToken };
}

export async function login(url: string, email: string, password: string): Promise<GraphQLResponse> {
  return gql(
    url,
    `mutation($input: LoginInput!) { login(input: $input) { user { id } session { accessToken refreshToken } userErrors { field message code } } }`,
    { input: { email, password } },
  );
}
