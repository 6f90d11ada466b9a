/**
 * The wait between the passes of a polling loop (an export worker, an email dispatcher): it ends
 * when the poll interval is over, when something is nudged, or when the loop is stopped. A nudge
 * that comes while a pass runs is remembered, so the next wait ends at once instead of the work
 * waiting a whole interval.
 *
 *   while (running) { wakeup.beginPass(); await pass(); await wakeup.wait(pollMs); }
 */
export class Wakeup {
  private nudged = false;
  private wake: (() => void) | null = null;

  /** Something is waiting for a pass: end the current wait, or the next one at once. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** A pass starts: the nudges so far are served by it. */
  beginPass(): void {
    this.nudged = false;
  }

  /** Waits up to `ms`; at once when a nudge came since the pass began. */
  wait(ms: number): Promise<void> {
    if (this.nudged) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.wake = end;
    });
  }

  /** Ends the current wait without counting as a nudge (the loop is stopping). */
  interrupt(): void {
    this.wake?.();
  }
}
