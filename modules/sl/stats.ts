/** Counters of the stateless replies this process sent, by class (sl.stats). */
class SlStats {
  readonly byClass = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  sent = 0;
  count(code: number): void {
    this.sent++;
    this.byClass[Math.floor(code / 100)]!++;
  }
  snapshot(): { readonly [key: string]: number } {
    return {
      "1xx_replies": this.byClass[1]!,
      "2xx_replies": this.byClass[2]!,
      "3xx_replies": this.byClass[3]!,
      "4xx_replies": this.byClass[4]!,
      "5xx_replies": this.byClass[5]!,
      "6xx_replies": this.byClass[6]!,
      sent_replies: this.sent,
    };
  }
}

export const slStats = new SlStats();
