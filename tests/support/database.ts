import { execFileSync } from "node:child_process";
import pg from "pg";

/** The server that test databases live on: DATABASE_URL's, or the local default. */
export function baseDatabaseUrl() {
  return process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/startline";
}

export function databaseUrl(name: string) {
  const url = new URL(baseDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(run: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: databaseUrl("postgres") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh database with every migration applied through the real `prisma migrate deploy`. */
export async function createMigratedDatabase(name: string) {
  await dropDatabase(name);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl(name) },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/** Copies a migrated template: much faster than migrating again for every test worker. */
export async function cloneDatabase(template: string, name: string) {
  await dropDatabase(name);
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
}

export async function dropDatabase(name: string) {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Drops every database whose name starts with the prefix (a finished test run's databases). */
export async function dropDatabasesWithPrefix(prefix: string) {
  const { rows } = await admin((c) =>
    c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [prefix]),
  );
  for (const { datname } of rows) await dropDatabase(datname);
}
