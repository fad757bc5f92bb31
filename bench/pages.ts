// Public pages under a crowd: 50 concurrent clients (keep-alive, one request at a time each) for SECONDS against
// `/races`, a race page and, as the baseline, a static file from build/client served by the same Express server in
// the same run. Reports p50/p99 and requests/s of each, and the page's ratio to the static file.
// Run: npm run build && npm run bench -- pages      (CLIENTS=50 SECONDS=10 RACES=12; BENCH_CPU_PROFILE=<dir>
// writes the web process's CPU profile there when it stops)
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { startWeb, testEnv } from "../tests/support/processes";
import { benchEnvironment, percentile, reportRow } from "./support";

const CLIENTS = Number(process.env.CLIENTS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 10);
const RACES = Number(process.env.RACES ?? 12);
const WARM_UP_MS = 2_000;

export type Load = { requests: number; perSecond: number; p50: number; p99: number; max: number; failed: number; bytes: number };

/** `clients` loops, each sending one GET after another (keep-alive) for `ms`; latencies of the whole response body. */
export async function load(urls: () => string, clients: number, ms: number): Promise<Load> {
  const latencies: number[] = [];
  let failed = 0;
  let bytes = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const response = await fetch(urls(), { headers: { "accept-encoding": "gzip", accept: "text/html,*/*" } });
          const body = await response.arrayBuffer();
          if (response.status !== 200) failed += 1;
          else bytes = body.byteLength;
        } catch {
          failed += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0, failed, bytes };
}

/** A static file of the build the server serves at `/assets/...`: the stylesheet (the first thing every page loads). */
export function staticAsset() {
  const dir = resolve("build/client/assets");
  const css = readdirSync(dir).filter((f) => f.endsWith(".css"));
  const file = css.sort((a, b) => statSync(`${dir}/${b}`).size - statSync(`${dir}/${a}`).size)[0];
  if (!file) throw new Error("No stylesheet in build/client/assets: run `npm run build` first.");
  return `/assets/${file}`;
}

const DESCRIPTION = `## The course\n\nTwo laps of the park on **closed roads**, chip timed, with water at 3 km and 7 km.\n\n- Bag drop from 08:00\n- Start at 09:30\n- Medals for every finisher\n\n| distance | cut-off |\n|---|---|\n| 5K | 1 h |\n| 10K | 2 h |\n`;
const FAQ = `### Can I transfer my place?\n\nYes, until a week before the race.\n\n### Is there parking?\n\nLimited parking at the [visitor centre](https://example.com/parking).\n`;

/** `count` published races, each with three ticket types (one with early-bird tiers), starting over the next weeks. */
export async function seedRaces(count: number) {
  const { db } = await import("~/utils/db.server");
  const suffix = Date.now().toString(36);
  const organisation = await db.organisation.create({ data: { name: "Bench Running Club", slug: `bench-${suffix}` } });
  const slugs: string[] = [];
  for (let i = 0; i < count; i++) {
    const race = await db.race.create({
      data: {
        organisationId: organisation.id,
        name: `Bench Park Run ${i + 1}`,
        slug: `bench-park-run-${i + 1}-${suffix}`,
        status: "PUBLISHED",
        startsAt: new Date(Date.now() + (i + 7) * 86_400_000),
        timeZone: "Europe/Dublin",
        location: "Phoenix Park, Dublin",
        description: DESCRIPTION,
        faq: FAQ,
      },
    });
    for (const [n, name] of ["5K", "10K", "Half marathon"].entries()) {
      await db.ticketType.create({
        data: {
          raceId: race.id,
          name,
          priceMinor: 2000 + n * 1500,
          capacity: 500,
          sortOrder: n,
          ...(n === 1 ? { priceTiers: { create: [{ label: "Early bird", priceMinor: 2500, endsAt: new Date(Date.now() + 3 * 86_400_000) }] } } : {}),
        },
      });
    }
    slugs.push(race.slug);
  }
  return slugs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = await benchEnvironment("pages");
  const { db } = await import("~/utils/db.server");
  const profileDir = process.env.BENCH_CPU_PROFILE;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const web = await startWeb(testEnv({ LOG_LEVEL: "info", DEMO_MODE: "true", ...(profileDir ? { NODE_OPTIONS: `--import ${resolve("bench/cpu-profile-preload.mjs")}`, BENCH_PROFILE_FILE: resolve(profileDir, "pages-web.cpuprofile") } : {}) }));
  try {
    const slugs = await seedRaces(RACES);
    const asset = staticAsset();
    let next = 0;
    const targets = [
      { name: "static file", path: asset, urls: () => `${web.url}${asset}` },
      { name: "/races", path: "/races", urls: () => `${web.url}/races` },
      { name: "race page", path: "/races/<slug>", urls: () => `${web.url}/races/${slugs[next++ % slugs.length]}` },
    ];
    const results = new Map<string, Load>();
    // The static baseline first and last: the machine is shared, so the run's own drift shows in its two figures.
    for (const target of [...targets, targets[0]!]) {
      await load(target.urls, CLIENTS, WARM_UP_MS);
      const result = await load(target.urls, CLIENTS, SECONDS * 1000);
      console.error(`[pages] ${target.name} (${target.path}), ${CLIENTS} clients for ${SECONDS} s: ${JSON.stringify({ ...result, perSecond: Math.round(result.perSecond) })}`);
      const earlier = results.get(target.name);
      // The baseline keeps its better run, so a page is never flattered by a static figure from a busier moment.
      if (!earlier || result.p99 < earlier.p99) results.set(target.name, result);
    }
    const baseline = results.get("static file")!;
    for (const { name, path } of targets.slice(1)) {
      const page = results.get(name)!;
      const note = `${CLIENTS} clients, ${SECONDS} s; p50 ${page.p50.toFixed(1)} ms vs ${baseline.p50.toFixed(1)}; ${(page.bytes / 1024).toFixed(0)} KB vs ${(baseline.bytes / 1024).toFixed(0)} KB static; failed ${page.failed}`;
      reportRow({ measure: `pages: ${path} p99 ms`, ours: page.p99, reference: baseline.p99, goal: "measured against static", pass: page.failed === 0, note });
      reportRow({ measure: `pages: ${path} requests/s`, ours: page.perSecond, reference: baseline.perSecond, goal: "measured against static", pass: page.failed === 0 });
    }
  } finally {
    await web.stop();
    await db.$disconnect();
    const { closeRedis } = await import("~/utils/redis.server");
    await closeRedis();
    await env.drop();
  }
}
