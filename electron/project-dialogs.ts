// Electron's dialogs for the project actions (logic/project-actions.ts takes them injected).
import { dialog } from 'electron';
import type { ProjectActionDeps } from './logic/project-actions.js';

export const projectDialogs: Pick<ProjectActionDeps, 'askApproval' | 'pickFolder' | 'confirmRemove'> = {
  askApproval: async (prompt) => {
    const answer = await dialog.showMessageBox({
      type: 'warning',
      title: prompt.title,
      message: prompt.message,
      detail: prompt.detail,
      buttons: prompt.buttons,
      defaultId: 1,
      cancelId: 1,
      noLink: true,
    });
    return answer.response === 0;
  },
  pickFolder: async () => {
    const result = await dialog.showOpenDialog({ title: 'Add Project', properties: ['openDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  },
  confirmRemove: async (project) => {
    const answer = await dialog.showMessageBox({
      type: 'question',
      message: `Remove ${project} from locald?`,
      detail: 'Its services are stopped. The folder and its files are not touched.',
      buttons: ['Remove', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
    });
    return answer.response === 0;
  },
};
