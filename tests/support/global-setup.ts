import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { createMigratedDatabase, dropDatabasesWithPrefix } from "./database";

/** One migrated template database per run; each test worker clones it (see worker-setup.ts). */
export default async function setup(project: TestProject) {
  const runId = randomBytes(3).toString("hex");
  const prefix = `startline_test_${runId}_`;
  const template = `${prefix}tpl`;
  await createMigratedDatabase(template);
  project.provide("testRun", { runId, template });
  return async () => {
    await dropDatabasesWithPrefix(prefix);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    testRun: { runId: string; template: string };
  }
}
