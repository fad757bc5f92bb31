/**
 * "1 paid order", "2 paid orders": a count with its noun in the right number. `shown` is the count as the page
 * formats it (e.g. "1,200"); irregular nouns pass their plural.
 */
export function counted(count: number, singular: string, options: { plural?: string; shown?: string } = {}) {
  return `${options.shown ?? count} ${count === 1 ? singular : (options.plural ?? `${singular}s`)}`;
}
