import { ResourceExhaustedError } from '@threadweaver/grpc-kit';

/** How many WatchThread streams may be open at once (README "Limits"). */
export interface WatchCaps {
  /** On one client connection (WATCHES_PER_CONNECTION_MAX). @default 100 */
  perConnection: number;
  /** For one account (WATCHES_PER_ACCOUNT_MAX). @default 20 */
  perAccount: number;
  /** On this pod (WATCHES_PER_POD_MAX): each costs a JetStream consumer and a journal read. @default 2000 */
  perPod: number;
}

export const watchCapsDefaults: WatchCaps = { perConnection: 100, perAccount: 20, perPod: 2_000 };

/**
 * Admits a watch only while it is under every cap, and counts it until it
 * ends. Past a cap the watch is refused RESOURCE_EXHAUSTED (429 at the
 * edge) before it costs a consumer or a read. The account is the request's
 * (authentication, once it lands, makes that the token's).
 */
export class WatchAdmission {
  private readonly byConnection = new Map<string, number>();
  private readonly byAccount = new Map<string, number>();
  private total = 0;

  constructor(private readonly caps: WatchCaps = watchCapsDefaults) {}

  /** Counts one watch in; returns its release (idempotent). Throws ResourceExhaustedError past a cap. */
  admit(connection: string, accountId: string): () => void {
    const { perConnection, perAccount, perPod } = this.caps;
    if (this.total >= perPod) throw exhausted(`this query pod already serves ${perPod} watches`);
    if ((this.byConnection.get(connection) ?? 0) >= perConnection) throw exhausted(`this connection already has ${perConnection} open watches`);
    if ((this.byAccount.get(accountId) ?? 0) >= perAccount) throw exhausted(`account ${accountId} already has ${perAccount} open watches`);
    this.total++;
    bump(this.byConnection, connection, 1);
    bump(this.byAccount, accountId, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      bump(this.byConnection, connection, -1);
      bump(this.byAccount, accountId, -1);
    };
  }
}

function exhausted(why: string): ResourceExhaustedError {
  return new ResourceExhaustedError(`WatchThread refused: ${why}; close one or retry later`);
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
