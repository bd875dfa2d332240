// Electron's Notification as a record the tests read and click: every notification the
// shell constructs is kept with its options; `click()` does what a user's click does
// (Electron emits 'click' on the notification), and only on one the shell showed.
//
// What differs from Electron: nothing reaches the OS (no notification daemon, no sound,
// no action buttons or replies), `isSupported()` is true as on Linux with a notification
// server, and a notification is never collected, so a shell that drops its reference
// still gets its click here (in Electron it may not).
import { EventEmitter } from 'node:events';
import type { MissingApiSink } from './strict.js';
import { checkOptions, strict } from './strict.js';

export interface NotificationOptions {
  title?: string;
  body?: string;
  silent?: boolean;
}

const MODELLED_OPTIONS = ['title', 'body', 'silent'];

export class NotificationStandIn extends EventEmitter {
  readonly options: NotificationOptions;
  shown = false;
  closed = false;

  constructor(options: NotificationOptions = {}) {
    super();
    this.options = { ...options };
  }

  get title(): string {
    return this.options.title ?? '';
  }

  get body(): string {
    return this.options.body ?? '';
  }

  show(): void {
    this.shown = true;
    this.closed = false;
    this.emit('show', {});
  }

  close(): void {
    if (!this.shown || this.closed) return;
    this.closed = true;
    this.emit('close', {});
  }

  /** Test side: the user clicks the notification. */
  click(): void {
    if (!this.shown || this.closed) throw new Error(`notification "${this.title}" is not on screen (shown: ${this.shown}, closed: ${this.closed})`);
    this.emit('click', {});
  }
}

export function createNotification(records: NotificationStandIn[], missing: MissingApiSink) {
  class Notification extends NotificationStandIn {
    static isSupported(): boolean {
      return true;
    }

    constructor(options?: NotificationOptions) {
      checkOptions('Notification', options, MODELLED_OPTIONS, missing);
      super(options);
      const self = strict('Notification.instance', this, missing);
      records.push(self);
      return self;
    }
  }
  return strict('Notification', Notification, missing);
}
