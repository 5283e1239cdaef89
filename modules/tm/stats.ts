/** Counters of one process's tm (RPC tm.stats, /metrics). */
export class TmStats {
  total = 0;
  totalInvite = 0;
  freedCount = 0;
  /** Replies sent upstream by class (index 1..6), and how many of them were made here. */
  readonly repliesByClass = [0, 0, 0, 0, 0, 0, 0];
  repliesLocal = 0;
  repliesRelayed = 0;
  repliesReceived = 0;
  retransmissions = 0;
  requestRetransmissions = 0;
  branchesSent = 0;
  cancelsSent = 0;
  timeouts = 0;
  suspended = 0;
  resumed = 0;

  created(invite: boolean): void {
    this.total++;
    if (invite) this.totalInvite++;
  }

  freed(): void {
    this.freedCount++;
  }

  replySent(code: number, local: boolean): void {
    const c = Math.floor(code / 100);
    if (c >= 1 && c <= 6) this.repliesByClass[c]!++;
    if (local) this.repliesLocal++;
    else this.repliesRelayed++;
  }
}
