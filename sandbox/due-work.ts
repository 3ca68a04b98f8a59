/**
 * The loop each of the sandbox's schedulers runs (Stripe's wall-clock billing, PayPal's
 * subscription cycles): it takes due work one step at a time until none is left, then sleeps
 * until the next due moment, looking again at least every `pollMs`, so work another sandbox
 * process stored, or a step that was held by a request, is seen then.
 */
export interface DueWork {
  /** Names the scheduler in the sandbox's error output. */
  readonly label: string;
  /** The longest sleep. */
  readonly pollMs: number;
  /** False until the work can run (events' links need the sandbox's origin, known once it listens). */
  ready(): boolean;
  /** Runs the earliest due step; false when nothing (that nobody else holds) is due. */
  step(): Promise<boolean>;
  /** The next due moment after now (Unix seconds), or null when nothing is due later. */
  nextDue(): Promise<number | null>;
}

export class DueWorkLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly work: DueWork) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runDue().finally(() => (this.running = null));
    }, ms);
  }

  private async runDue(): Promise<void> {
    let wait = this.work.pollMs;
    try {
      if (this.work.ready()) {
        while (!this.stopped && (await this.work.step()));
        if (!this.stopped) wait = await this.untilNextDue();
      }
    } catch (error) {
      if (!this.stopped) process.stderr.write(`sandbox: ${this.work.label}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    this.schedule(wait);
  }

  /** Milliseconds until the next due moment, at most pollMs: work already due that step() left (held, or stuck) waits for the next look. */
  private async untilNextDue(): Promise<number> {
    const due = await this.work.nextDue();
    if (due === null) return this.work.pollMs;
    return Math.min(this.work.pollMs, Math.max(1, due * 1000 - Date.now()));
  }
}
