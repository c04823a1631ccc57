import type { Command } from 'commander';
import { registerAsmCommand } from './asm.ts';
import { registerCertsCommands } from './certs.ts';
import { registerClusterCommands } from './cluster.ts';
import { registerConfigCommands } from './config.ts';
import { registerContainerCommands } from './containers.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerMiddlewareCommands } from './middleware.ts';
import { registerSnapshotCommands } from './snapshot.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { registerDemoCommand } from './demo.ts';
import { registerFaultCommands } from './fault.ts';
import { registerHmCommands } from './hm.ts';
import { registerLinkCommands } from './link.ts';
import { registerNodeCommands } from './node.ts';
import { registerScenarioCommands } from './scenario.ts';
import { registerScheduleCommands } from './schedule.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerTaskCommands } from './tasks.ts';

/** Registers every command group on the program. */
export function registerCommands(program: Command): void {
  registerConfigCommands(program);
  registerAsmCommand(program);
  registerSimulateCommand(program);
  registerDemoCommand(program);
  registerNodeCommands(program);
  registerClusterCommands(program);
  registerTaskCommands(program);
  registerHmCommands(program);
  registerScheduleCommands(program);
  registerContainerCommands(program);
  registerMigrateCommand(program);
  registerMiddlewareCommands(program);
  registerSnapshotCommands(program);
  registerLinkCommands(program);
  registerFaultCommands(program);
  registerScenarioCommands(program);
  registerCertsCommands(program);
  registerDashboardCommand(program);
}
