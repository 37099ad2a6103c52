import type { CommandModule } from '../context.js';
import { schemaCommand } from './schema.js';
import { doctorCommand } from './doctor.js';
import { quotaCommand } from './quota.js';
import { workerCommand } from './worker.js';
import { runsCommand } from './runs.js';
import { installCommand } from './install.js';
import { agentsCommand } from './agents.js';
import { planCommand } from './plan.js';
import { workflowCommand } from './workflow.js';

/** Every sub-command of `nova`. Each lives in its own file; add a line here to add a command. */
export const commandModules: CommandModule[] = [
  schemaCommand,
  doctorCommand,
  quotaCommand,
  workerCommand,
  runsCommand,
  installCommand,
  agentsCommand,
  planCommand,
  workflowCommand,
];
