// Menu and Tray as a model the tests read and click by label, as a user would: only
// visible, enabled items can be clicked, and a checkbox flips before its click runs.
import type { MissingApiSink } from './strict.js';
import { checkOptions, strict } from './strict.js';

interface TemplateItem {
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  label?: string;
  enabled?: boolean;
  checked?: boolean;
  visible?: boolean;
  accelerator?: string;
  role?: string;
  submenu?: TemplateItem[];
  click?: (item: MenuItemModel, window: undefined, event: object) => void;
}

const TEMPLATE_KEYS = ['type', 'label', 'enabled', 'checked', 'visible', 'accelerator', 'role', 'submenu', 'click'];

export interface MenuItemModel {
  type: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  label: string;
  enabled: boolean;
  checked: boolean;
  visible: boolean;
  role: string | undefined;
  accelerator: string | undefined;
  submenu: MenuModel | undefined;
  click: TemplateItem['click'];
}

export class MenuModel {
  constructor(readonly items: MenuItemModel[]) {}
}

function toItem(template: TemplateItem, missing: MissingApiSink): MenuItemModel {
  checkOptions('Menu.buildFromTemplate', template, TEMPLATE_KEYS, missing);
  const submenu = template.submenu !== undefined ? new MenuModel(template.submenu.map((item) => toItem(item, missing))) : undefined;
  return {
    type: template.type ?? (submenu !== undefined ? 'submenu' : 'normal'),
    label: template.label ?? '',
    enabled: template.enabled ?? true,
    checked: template.checked ?? false,
    visible: template.visible ?? true,
    role: template.role,
    accelerator: template.accelerator,
    submenu,
    click: template.click,
  };
}

export interface ShellSurface {
  applicationMenu: MenuModel | null;
  trays: TrayStandIn[];
}

export function createMenu(surface: ShellSurface, missing: MissingApiSink) {
  return strict(
    'Menu',
    {
      buildFromTemplate: (template: TemplateItem[]): MenuModel =>
        strict('Menu.instance', new MenuModel(template.map((item) => toItem(item, missing))), missing),
      setApplicationMenu(menu: MenuModel | null): void {
        surface.applicationMenu = menu;
      },
    },
    missing,
  );
}

export interface ImageStandIn {
  path: string;
  template: boolean;
  isEmpty(): boolean;
  setTemplateImage(template: boolean): void;
}

export class TrayStandIn {
  image: ImageStandIn;
  toolTip = '';
  menu: MenuModel | null = null;
  destroyed = false;
  /** Bumped on every change, so tests can wait for "the menu changed". */
  version = 0;

  constructor(image: ImageStandIn) {
    this.image = image;
  }

  setImage(image: ImageStandIn): void {
    this.image = image;
    this.version++;
  }

  setToolTip(text: string): void {
    this.toolTip = text;
    this.version++;
  }

  setContextMenu(menu: MenuModel | null): void {
    this.menu = menu;
    this.version++;
  }

  destroy(): void {
    this.destroyed = true;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export function createTray(surface: ShellSurface, missing: MissingApiSink) {
  return class Tray extends TrayStandIn {
    constructor(image: ImageStandIn) {
      super(image);
      const self = strict('Tray.instance', this, missing);
      surface.trays.push(self);
      return self;
    }
  };
}

/** A label to match: exact text, or a pattern. */
export type LabelMatch = string | RegExp;

function matches(item: MenuItemModel, label: LabelMatch): boolean {
  return typeof label === 'string' ? item.label === label : label.test(item.label);
}

export function describeMenu(menu: MenuModel | null | undefined, indent = ''): string {
  if (menu === null || menu === undefined) return `${indent}(no menu)`;
  return menu.items
    .filter((item) => item.visible)
    .map((item) => {
      if (item.type === 'separator') return `${indent}----`;
      const flags = `${item.enabled ? '' : ' [disabled]'}${item.type === 'checkbox' ? (item.checked ? ' [x]' : ' [ ]') : ''}`;
      const line = `${indent}${item.label}${flags}`;
      return item.submenu !== undefined ? `${line}\n${describeMenu(item.submenu, `${indent}    `)}` : line;
    })
    .join('\n');
}

/** The item at a path of labels (top level first), or undefined. */
export function findItem(menu: MenuModel | null, path: readonly LabelMatch[]): MenuItemModel | undefined {
  let items = menu?.items ?? [];
  let found: MenuItemModel | undefined;
  for (const label of path) {
    found = items.find((item) => item.visible && item.type !== 'separator' && matches(item, label));
    if (found === undefined) return undefined;
    items = found.submenu?.items ?? [];
  }
  return found;
}

/** Clicks like a user: the path must exist, every item on it must be enabled. */
export function clickItem(menu: MenuModel | null, path: readonly LabelMatch[]): void {
  const item = findItem(menu, path);
  const where = path.map(String).join(' › ');
  if (item === undefined) throw new Error(`no menu item ${where} in:\n${describeMenu(menu)}`);
  for (let depth = 1; depth <= path.length; depth++) {
    const step = findItem(menu, path.slice(0, depth));
    if (step !== undefined && !step.enabled) throw new Error(`menu item ${path.slice(0, depth).map(String).join(' › ')} is disabled:\n${describeMenu(menu)}`);
  }
  if (item.submenu !== undefined) throw new Error(`menu item ${where} opens a submenu; click an item inside it`);
  if (item.type === 'checkbox') item.checked = !item.checked;
  item.click?.(item, undefined, {});
}
