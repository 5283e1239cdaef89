/** One thread's async counters (RPC async.stats sums every thread's; /metrics shows them). */
export class AsyncStats {
  /** Suspensions made (async_route, async_sleep, the ms and task variants). */
  suspended = 0;
  /** Suspensions waiting for their due time now. */
  waiting = 0;
  /** Resumed routes that ran. */
  resumed = 0;
  /** Due suspensions whose transaction had ended meanwhile (fr_timer, CANCEL) or whose route could not run. */
  expired = 0;
  /** Due suspensions that found no worker to run them. */
  failed = 0;
  /** Calls that returned false before suspending (bad delay, unknown route or group, no workers). */
  refused = 0;
  /** async_task_data / async_task_group_data tasks handed to a group, by group. */
  readonly dataPushed = new Map<string, number>();
  /** Data tasks whose route ran here (in a group worker). */
  dataRan = 0;

  toJson(): { readonly [k: string]: number | { readonly [g: string]: number } } {
    return {
      suspended: this.suspended,
      waiting: this.waiting,
      resumed: this.resumed,
      expired: this.expired,
      failed: this.failed,
      refused: this.refused,
      data_pushed: Object.fromEntries(this.dataPushed),
      data_ran: this.dataRan,
    };
  }
}
