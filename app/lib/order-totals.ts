export type TaxMode = "NONE" | "FIXED_RATE" | "STRIPE_TAX";

export type OrderTotals = {
  subtotalMinor: number;
  discountMinor: number;
  taxMinor: number;
  feeMinor: number;
  totalMinor: number;
  /** Stripe Tax computes the tax at payment, from the buyer's address. */
  taxAtPayment: boolean;
};

/**
 * The order summary. Ticket prices exclude tax; a fixed-rate tax applies to the discounted subtotal and
 * is rounded half up to the minor unit. With Stripe Tax the amount is known only after payment.
 */
export function orderTotals({
  prices,
  discountMinor = 0,
  taxMode,
  taxRateBps,
  feeMinor = 0,
}: {
  prices: number[];
  discountMinor?: number;
  taxMode: TaxMode;
  taxRateBps: number;
  feeMinor?: number;
}): OrderTotals {
  const subtotalMinor = prices.reduce((sum, price) => sum + price, 0);
  const discount = Math.min(Math.max(0, discountMinor), subtotalMinor);
  const taxable = subtotalMinor - discount;
  const taxMinor = taxMode === "FIXED_RATE" ? Math.floor((taxable * taxRateBps + 5_000) / 10_000) : 0;
  return {
    subtotalMinor,
    discountMinor: discount,
    taxMinor,
    feeMinor,
    totalMinor: taxable + taxMinor + feeMinor,
    taxAtPayment: taxMode === "STRIPE_TAX",
  };
}
