/**
 * Whether an organisation may publish paid races. Stripe Connect onboarding (payouts) decides this
 * once it exists; until Stripe is configured, paid races can be published for demo sales.
 */
export async function paidPublishingBlocker(_organisationId: string): Promise<string | null> {
  return null;
}
