import { generateKeyPairSync, randomBytes } from "node:crypto";

/** A fresh RS256 signing key and the verifier's key set, as the services take them. */
export function testKeys(kid = `test-${randomBytes(3).toString("hex")}`) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { signingKey: { kid, privateKey: privatePem }, publicKeys: { [kid]: publicPem } };
}

/**
 * SUBGRAPH_SECRET of this test process's stacks. Test clients send it (support/graphql.ts), as the
 * router would, when they talk to a subgraph directly; tests of the check send their own.
 */
export const TEST_SUBGRAPH_SECRET = randomBytes(24).toString("base64url");
