/**
 * Credits on the platform's subscription service (when configured): a dispatcher reserves what
 * a batch will cost before sending and reconciles the actual cost after. The campaign's own
 * budget is enforced in our ledger either way.
 */
/** `granted` may be less than asked when the subscription has less left. */
export type Reservation = { ok: true; reservationId: string; granted: number } | { ok: false; reason: string };

export interface PlatformCredits {
  /** Reserves `credits`, or as many as the subscription still has. */
  reserve(workspaceId: string, credits: number, requestId: string): Promise<Reservation>;
  reconcile(reservationId: string, actualCredits: number): Promise<void>;
}
