const registry = globalThis as unknown as { __startlineSingletons?: Map<string, unknown> };

/** One instance per process, surviving Vite's module reloads in development. */
export function singleton<T>(name: string, create: () => T): T {
  registry.__startlineSingletons ??= new Map();
  if (!registry.__startlineSingletons.has(name)) registry.__startlineSingletons.set(name, create());
  return registry.__startlineSingletons.get(name) as T;
}
