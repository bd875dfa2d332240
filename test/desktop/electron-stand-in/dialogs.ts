// dialog → scripted answers. Every dialog is recorded with its text; the test's script
// answers the ones that wait for the user. A dialog nobody scripted is a test failure.
import type { MissingApiSink } from './strict.js';
import { checkOptions, strict } from './strict.js';

export interface MessageBoxOptions {
  type?: string;
  title?: string;
  message: string;
  detail?: string;
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
  noLink?: boolean;
}

export interface OpenDialogOptions {
  title?: string;
  properties?: string[];
  defaultPath?: string;
}

export type DialogRecord =
  | { kind: 'messageBox'; options: MessageBoxOptions }
  | { kind: 'openDialog'; options: OpenDialogOptions }
  | { kind: 'errorBox'; title: string; content: string };

/** A message box answers with a button label (or index); a folder picker with a path or null (cancel). */
export type DialogAnswer = string | number | null;
export type DialogScript = (dialog: Exclude<DialogRecord, { kind: 'errorBox' }>) => DialogAnswer | Promise<DialogAnswer>;

export interface DialogLog {
  records: DialogRecord[];
  script: DialogScript | null;
  unexpected(text: string): void;
}

const MESSAGE_BOX_KEYS = ['type', 'title', 'message', 'detail', 'buttons', 'defaultId', 'cancelId', 'noLink'];
const OPEN_DIALOG_KEYS = ['title', 'properties', 'defaultPath'];

export function createDialog(log: DialogLog, missing: MissingApiSink) {
  const ask = async (record: Exclude<DialogRecord, { kind: 'errorBox' }>): Promise<DialogAnswer> => {
    log.records.push(record);
    if (log.script === null) {
      log.unexpected(`unscripted dialog: ${JSON.stringify(record)}`);
      return null;
    }
    return log.script(record);
  };
  // Electron accepts an optional parent window first; the shell never passes one.
  const optionsOf = <T>(args: unknown[]): T => args[args.length - 1] as T;
  return strict(
    'dialog',
    {
      async showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
        const options = optionsOf<MessageBoxOptions>(args);
        checkOptions('dialog.showMessageBox', options, MESSAGE_BOX_KEYS, missing);
        const answer = await ask({ kind: 'messageBox', options });
        const buttons = options.buttons ?? ['OK'];
        let response = typeof answer === 'number' ? answer : buttons.indexOf(answer ?? '');
        if (response < 0) {
          log.unexpected(`answer ${JSON.stringify(answer)} is not a button of "${options.message}" (${buttons.join(', ')})`);
          response = options.cancelId ?? 0;
        }
        return { response, checkboxChecked: false };
      },
      async showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
        const options = optionsOf<OpenDialogOptions>(args);
        checkOptions('dialog.showOpenDialog', options, OPEN_DIALOG_KEYS, missing);
        const answer = await ask({ kind: 'openDialog', options });
        return typeof answer === 'string' ? { canceled: false, filePaths: [answer] } : { canceled: true, filePaths: [] };
      },
      showErrorBox(title: string, content: string): void {
        log.records.push({ kind: 'errorBox', title, content });
      },
    },
    missing,
  );
}
