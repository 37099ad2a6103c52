/**
 * Every built-in agent, constructed from the configuration. Agents add themselves here with one
 * line each; the runtime, `nova agents list` and the server all start from this list.
 */
import type { Config } from '../config.js';
import type { Agent } from './agent.js';
import { DocumentationAgent } from './documentation/agent.js';
import { CiExtractionAgent } from './ci-extraction/agent.js';
import { CommandValidationAgent } from './command-validation/index.js';
import { ExecutionAgent } from './execution/execution-agent.js';
import { PlannerAgent } from './planner/agent.js';
import { RepositoryAnalysisAgent } from './repository-analysis/agent.js';
import { UtilityAgent, defaultUtilityDirs } from './utility/utility-agent.js';
import { TroubleshootingAgent } from './troubleshooting/troubleshooting-agent.js';
import type { Store } from '../store/store.js';
import type { StepEvent } from './execution/run-step.js';

/** What a caller in the same process can share with the agents (all optional). */
export interface BuiltinAgentDeps {
  /** The store the caller already opened (agents open their own from the config otherwise). */
  store?: Store;
  /** Live step events of installs (the CLI's progress display). */
  onInstallEvent?: (e: StepEvent) => void;
  log?: (line: string) => void;
}

export function builtinAgents(config: Config, deps: BuiltinAgentDeps = {}): Agent[] {
  return [
    new RepositoryAnalysisAgent(),
    new PlannerAgent(config),
    new ExecutionAgent({ config, store: deps.store, onEvent: deps.onInstallEvent, log: deps.log }),
    new TroubleshootingAgent(),
    new DocumentationAgent(),
    new CiExtractionAgent(),
    new CommandValidationAgent(),
    new UtilityAgent({ allowedDirs: defaultUtilityDirs(config.home) }),
  ];
}
