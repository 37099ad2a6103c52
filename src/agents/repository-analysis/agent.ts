/**
 * The Repository Analysis agent: answers `repo.analyze` messages with the ecosystems, manifest
 * default steps and warnings of a repository folder.
 */
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { REPO_ROOT_PARAMETER, repoOfMessage } from '../repo-root.js';
import { analyzeRepository } from './analyze.js';

export class RepositoryAnalysisAgent extends Agent {
  readonly id = 'repository-analysis';
  readonly type = 'repository-analysis';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [{
    name: 'repo.analyze',
    description: 'Detect ecosystems, package managers, language versions, workspaces, dependencies and implied system packages of a repository folder',
    parameters: [REPO_ROOT_PARAMETER],
    required_permissions: [],
  }];

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const { root, repo } = repoOfMessage(message);
    const analysis = analyzeRepository(repo);
    ctx.log?.(`analysed ${root}: ${analysis.ecosystems.map((e) => `${e.name}(${e.root})`).join(', ') || 'no ecosystem found'}`);
    return { ...analysis };
  }
}
