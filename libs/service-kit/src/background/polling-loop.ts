import { OutageLog } from '@budget-erp/messaging';
import { Wakeup } from './wakeup';

interface LoopLogger {
  warn(message: string): void;
  log(message: string): void;
}

/**
 * The loop of a background worker (an export or import worker, the drift reconciler): runs a pass,
 * then waits for the poll interval or a nudge, until stopped. A failing pass is logged once per
 * outage, not once per tick, and the loop goes on. `stop()` ends the wait at once and resolves when
 * the pass in progress has returned.
 *
 *   private readonly loop = new PollingLoop(logger, 'import worker', () => this.tick(), pollMs);
 *   onApplicationBootstrap() { this.loop.start(); }   nudge() { this.loop.nudge(); }
 */
export class PollingLoop {
  private readonly wakeup = new Wakeup();
  private readonly outage: OutageLog;
  private active = false;
  private loop: Promise<void> | null = null;

  constructor(
    logger: LoopLogger,
    /** What runs, as the outage lines name it: "import worker". */
    what: string,
    private readonly pass: () => Promise<unknown>,
    private readonly pollIntervalMs: number,
  ) {
    this.outage = new OutageLog(logger, what);
  }

  /** Between `start()` and `stop()`. */
  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.loop = this.run();
  }

  /** Looks for due work now; a nudge that comes while a pass runs starts another pass after it. */
  nudge(): void {
    this.wakeup.nudge();
  }

  /** Starts no further pass and waits for the one in progress. */
  async stop(): Promise<void> {
    this.active = false;
    this.wakeup.interrupt();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.active) {
      this.wakeup.beginPass();
      try {
        await this.pass();
        this.outage.passed();
      } catch (error) {
        if (this.active) this.outage.failed(error);
      }
      if (!this.active) break;
      await this.wakeup.wait(this.pollIntervalMs);
    }
  }
}
