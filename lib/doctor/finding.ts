/**
 * One line of the go-live check (`npm run doctor`): what was checked, whether it stops going
 * live, and the plain sentence an operator reads (what is wrong and what to do about it).
 */
export type FindingStatus = 'ok' | 'warn' | 'blocker';

export interface Finding {
  /** What was checked: `payments mode`, `stripe webhooks`, `database`, … */
  name: string;
  /** `blocker`: not ready to take real payments; `warn`: worth a look, not in the way. */
  status: FindingStatus;
  line: string;
}

export const ok = (name: string, line: string): Finding => ({ name, status: 'ok', line });
export const warn = (name: string, line: string): Finding => ({ name, status: 'warn', line });
export const blocker = (name: string, line: string): Finding => ({ name, status: 'blocker', line });
