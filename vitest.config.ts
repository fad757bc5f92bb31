import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["app/**/*.test.{ts,tsx}"], environment: "node" },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/worker-setup.ts"],
          pool: "forks",
          // Some tests start their own web or worker process: on a loaded 2-core machine that alone can take 30 s.
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          // Fault and load scenarios (README: Resilience suite); `npm run test:resilience` runs them one at a time.
          name: "resilience",
          include: ["tests/resilience/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          pool: "forks",
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
