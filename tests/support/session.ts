import { Client } from "./http";
import { TEST_PASSWORD } from "./factories";

/** A client logged in as the given user through the real login form. */
export async function loggedIn(baseUrl: string, email: string) {
  const client = new Client(baseUrl);
  const response = await client.post("/login", { email, password: TEST_PASSWORD });
  if (response.status !== 302) throw new Error(`login as ${email} failed with ${response.status}`);
  return client;
}
