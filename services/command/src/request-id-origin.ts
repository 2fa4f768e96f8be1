/**
 * Where a command's request id came from, which decides how far its
 * exactly-once promise has to reach:
 * - `client`: the caller gave it and may send it again at any age within
 *   the retry horizon; the thread's window of recent ids answers recent
 *   retries, the journal's index and request pointers every older one.
 * - `minted`: the pod that received the call made it (the caller gave
 *   none), so no client can ever send it again. Only that pod's router
 *   re-sends it, within the call's deadline, after an owner stopped
 *   answering; no request pointer is written for it (one write saved per
 *   batched event).
 * - `minted-resent`: such a re-send. The window answers it; when the window
 *   can no longer vouch for it and the journal's index does not find it,
 *   its first attempt's outcome is unknown and it is refused as such
 *   (`RetryOutcomes`), never run a second time.
 */
export const requestIdOrigins = ['client', 'minted', 'minted-resent'] as const;
/** One of {@link requestIdOrigins}. */
export type RequestIdOrigin = (typeof requestIdOrigins)[number];

/** The origin of a request id as the receiving pod sees it, before any minting. */
export function originOfGivenRequestId(requestId: string): RequestIdOrigin {
  return requestId === '' ? 'minted' : 'client';
}
