// The response-header deadline every forwarder runs: armed once the request has been sent
// (a slow upload is not a slow service), cleared by any answer, failure or cancel. It never
// applies to a response that is already streaming.
export class ResponseDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /** (Re)starts the deadline; `onExpire` runs if nothing clears it in time. */
  arm(onExpire: () => void): void {
    this.clear();
    this.timer = setTimeout(onExpire, this.ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
