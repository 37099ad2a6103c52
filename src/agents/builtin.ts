/**
 * Every built-in agent, constructed from the configuration. Agents add themselves here with one
 * line each; the runtime, `nova agents list` and the server all start from this list.
 */
import type { Config } from '../config.js';
import type { Agent } from './agent.js';
import { DocumentationAgent } from './documentation/agent.js';
import { CiExtractionAgent } from './ci-extraction/agent.js';
import { CommandValidationAgent } from './command-validation/index.js';

export function builtinAgents(config: Config): Agent[] {
  void config; // agents read their settings from it as they are added
  return [
    new DocumentationAgent(),
    new CiExtractionAgent(),
    new CommandValidationAgent(),
  ];
}
