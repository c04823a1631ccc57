/** MigTasks: the MigThread state machine, travelers, and (later) the migration protocols. */
export { MigThread, acceptedCommands } from './mig-thread.ts';
export type { MigCommand, MigState, Transition } from './mig-thread.ts';
export { MigTraveler } from './mig-traveler.ts';
export type { TravelerFault, TravelerStatus, Wait } from './mig-traveler.ts';
export { MigTask } from './mig-task.ts';
export type { InitializeRequest } from './mig-task.ts';
