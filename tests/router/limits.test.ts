// Hostile queries and rate limits at the router: rejected with a clear error, router stays up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { codes, gql, login, register, unique } from "../support/graphql.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack.stop());

async function stillServes() {
  const account = await register(url);
  const res = await gql(url, `{ me { id } }`, {}, { token: account.accessToken });
  expect(res.data.me.id).toBe(account.id);
}

describe("hostile queries", () => {
  it("rejects a query nested 50 deep before touching a subgraph", async () => {
    const account = await register(url);
    let selection = "id";
    for (let i = 0; i < 25; i++) selection = `followers { edges { node { ${selection} } } }`;
    const count = stack.countSql();
    const res = await gql(url, `query Deep($id: ID!) { user(id: $id) { ${selection} } }`, { id: account.id });
    expect(res.status).toBe(400);
    expect(res.errors![0]!.message).toMatch(/nested deeper than 15 levels/);
    expect(res.errors![0]!.extensions).not.toHaveProperty("stacktrace");
    expect(count()).toBe(0);
    await stillServes();
  });

  it("rejects 1,000 aliases", async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(" ");
    const res = await gql(url, `{ ${aliases} }`);
    expect(res.status).toBe(400);
    expect(res.errors!.map((e) => e.message)).toContain("Query uses more than 30 aliases.");
    await stillServes();
  });

  it("rejects a query selecting too many fields through fragments", async () => {
    const fields = Array.from({ length: 40 }, () => "...F").join(" ");
    // 40 spreads of a fragment with 50 fields each: 2,000 fields from a small document.
    const fragment = `fragment F on User { ${Array.from({ length: 50 }, () => "id").join(" ")} }`;
    const res = await gql(url, `query { me { ${fields} } } ${fragment}`);
    expect(res.status).toBe(400);
    expect(res.errors!.map((e) => e.message)).toContain("Query selects more than 1500 fields.");
  });

  it("rejects a 2 MB body with 413", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ me { id } }`, variables: { padding: "x".repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
    await stillServes();
  });

  it("rejects a body that is not JSON", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  it("blocks cross-site simple requests (CSRF prevention)", async () => {
    const res = await fetch(`${url}?query=${encodeURIComponent("{ me { id } }")}`, { method: "GET" });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });

  it("turns introspection off outside development", async () => {
    const res = await gql(url, `{ __schema { queryType { name } } }`);
    expect(res.errors![0]!.message).toMatch(/introspection/i);
  });
});

describe("rate limits", () => {
  it("limits repeated failed sign-ins to one account, even with the right password afterwards", async () => {
    const limited = await startStack({
      router: true,
      limits: { loginPerIpPerMinute: 1000, failedLoginsPerAccount: 3, registerPerIpPerHour: 1000 },
    });
    try {
      const u = limited.router!.url;
      const account = await register(u);
      for (let i = 0; i < 3; i++)
        expect((await login(u, account.email, "wrong password!!")).data.login.userErrors[0].code).toBe(
          "INVALID_CREDENTIALS",
        );
      const locked = await login(u, account.email, account.password);
      expect(codes(locked)).toEqual(["RATE_LIMITED"]);
      expect(locked.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
      // Another account from the same address is unaffected.
      const other = await register(u);
      expect((await login(u, other.email, other.password)).data.login.userErrors).toEqual([]);
    } finally {
      await limited.stop();
    }
  });

  it("limits sign-in attempts and sign-ups per address", async () => {
    const limited = await startStack({
      router: true,
      limits: { loginPerIpPerMinute: 3, failedLoginsPerAccount: 100, registerPerIpPerHour: 2 },
    });
    try {
      const u = limited.router!.url;
      await register(u);
      await register(u);
      const third = await gql(u, `mutation($input: RegisterInput!) { register(input: $input) { user { id } } }`, {
        input: { email: `${unique()}@example.com`, handle: unique(), password: "correct horse battery" },
      });
      expect(codes(third)).toEqual(["RATE_LIMITED"]);
      for (let i = 0; i < 3; i++) await login(u, `${unique()}@example.com`, "whatever password");
      expect(codes(await login(u, `${unique()}@example.com`, "whatever password"))).toEqual(["RATE_LIMITED"]);
    } finally {
      await limited.stop();
    }
  });

  it("counts the connection's address, whatever X-Forwarded-For the client makes up", async () => {
    const limited = await startStack({
      router: true,
      limits: { loginPerIpPerMinute: 3, failedLoginsPerAccount: 100, registerPerIpPerHour: 100 },
    });
    try {
      const u = limited.router!.url;
      const attempts = [];
      for (let i = 0; i < 5; i++) {
        const res = await gql(
          u,
          `mutation($input: LoginInput!) { login(input: $input) { userErrors { code } } }`,
          { input: { email: `${unique()}@example.com`, password: "whatever password" } },
          { headers: { "x-forwarded-for": `10.0.0.${i}` } },
        );
        attempts.push(codes(res)[0] ?? "ok");
      }
      expect(attempts).toEqual(["ok", "ok", "ok", "RATE_LIMITED", "RATE_LIMITED"]);
    } finally {
      await limited.stop();
    }
  });

  it("behind a trusted proxy, counts the address that proxy appended", async () => {
    const limited = await startStack({ router: true, trustedProxyHops: 1, requestsPerMinute: 2 });
    try {
      const u = limited.router!.url;
      // The client's made-up entry comes first; the proxy appends the real address last.
      const from = (real: string, spoof: string) =>
        gql(u, `{ me { id } }`, {}, { headers: { "x-forwarded-for": `${spoof}, ${real}` } });
      expect((await from("203.0.113.7", "1.1.1.1")).status).toBe(200);
      expect((await from("203.0.113.7", "2.2.2.2")).status).toBe(200);
      expect((await from("203.0.113.7", "3.3.3.3")).status).toBe(429);
      expect((await from("203.0.113.8", "3.3.3.3")).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it("limits requests per client at the router with 429 and Retry-After", async () => {
    const limited = await startStack({ router: true, requestsPerMinute: 5 });
    try {
      const u = limited.router!.url;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await gql(u, `{ me { id } }`)).status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      const res = await gql(u, `{ me { id } }`);
      expect(res.status).toBe(429);
      expect(codes(res)).toEqual(["RATE_LIMITED"]);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });
});
