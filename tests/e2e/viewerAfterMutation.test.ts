// A mutation's payload is resolved as the viewer after the mutation: a sign-in reads its own
// account in the same operation, in the users subgraph and, through the router, in the catalog.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.ts";
import { gql, login, PASSWORD, register, unique } from "../support/graphql.ts";

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ router: true });
  url = stack.router!.url;
});
afterAll(() => stack?.stop());

const LOGIN = `mutation($input: LoginInput!) {
  login(input: $input) {
    user { id email isBlocked artistProfiles { id name isPublic } }
    userErrors { code }
  }
}`;

describe("the viewer after the mutation", () => {
  it("register returns a user whose own email and isBlocked read fine", async () => {
    const handle = unique();
    const res = await gql(
      url,
      `mutation($input: RegisterInput!) { register(input: $input) { user { id email isBlocked profile { handle } } userErrors { code } } }`,
      { input: { email: `${handle}@example.com`, password: PASSWORD, handle } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.register.user).toMatchObject({
      email: `${handle}@example.com`,
      isBlocked: false,
      profile: { handle },
    });
  });

  it("login shows the artist its own unpublished artists, through the router", async () => {
    const account = await register(url);
    await stack.users.services.db.user.update({ where: { id: account.id }, data: { role: "ARTIST" } });
    const token = (await login(url, account.email, account.password)).data.login.session.accessToken;
    const created = await gql(
      url,
      `mutation($input: CreateArtistInput!) { createArtist(input: $input) { artist { id } userErrors { code } } }`,
      { input: { name: `Unpublished ${unique()}` } },
      { token },
    );
    expect(created.data.createArtist.userErrors).toEqual([]);
    const artistId = created.data.createArtist.artist.id;

    // Signed out: no token on the request, only the credentials in the input.
    const res = await gql(url, LOGIN, { input: { email: account.email, password: account.password } });
    expect(res.errors).toBeUndefined();
    expect(res.data.login.user).toMatchObject({
      id: account.id,
      email: account.email,
      isBlocked: false,
      artistProfiles: [{ id: artistId, isPublic: false }],
    });
    // The token handed to the catalog is not handed to the client unasked.
    expect(JSON.stringify(res)).not.toContain("viewerToken");
  });

  it("a failed sign-in changes nobody", async () => {
    const account = await register(url);
    const res = await gql(url, LOGIN, { input: { email: account.email, password: "wrong password 123" } });
    expect(res.data.login).toEqual({ user: null, userErrors: [{ code: "INVALID_CREDENTIALS" }] });
  });
});
