/** A cart from the race page form: fields `qty_<ticketTypeId>` holding whole numbers. */
export function cartFromForm(form: FormData) {
  const lines: { ticketTypeId: string; quantity: number }[] = [];
  for (const [key, value] of form) {
    if (!key.startsWith("qty_")) continue;
    const quantity = Number(value);
    lines.push({ ticketTypeId: key.slice(4), quantity: Number.isFinite(quantity) ? quantity : -1 });
  }
  return lines;
}
