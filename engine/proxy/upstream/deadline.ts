// The response-header deadline: armed once the request has been sent (a slow upload is not
// a slow service), cleared by any answer, failure or cancel. It never applies to a response
// that is already streaming. `arm` takes a plain function and its argument, so the hot path
// allocates no closure per request.
export class ResponseDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /** (Re)starts the deadline; `onExpire(arg)` runs if nothing clears it in time. */
  arm<T>(onExpire: (arg: T) => void, arg: T): void;
  arm(onExpire: () => void): void;
  arm(onExpire: (arg?: unknown) => void, arg?: unknown): void {
    this.clear();
    this.timer = setTimeout(onExpire, this.ms, arg);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
