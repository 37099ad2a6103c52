/**
 * The CI Extraction agent: answers `ci.extract` messages with the commands, toolchain versions and
 * services found in a repository's CI configuration (GitHub Actions, GitLab, Travis, CircleCI,
 * Azure), tox/nox, Makefile, Dockerfile and dev container files.
 */
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { REPO_ROOT_PARAMETER, repoOfMessage } from '../repo-root.js';
import { extractCi } from './extract.js';

export class CiExtractionAgent extends Agent {
  readonly id = 'ci-extraction';
  readonly type = 'ci-extraction';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [{
    name: 'ci.extract',
    description: 'Extract the commands, toolchain versions and services a repository\'s CI, tox/nox, Makefile, Dockerfile and devcontainer configuration use, with provenance and confidence',
    parameters: [REPO_ROOT_PARAMETER],
    required_permissions: [],
  }];

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const { root, repo } = repoOfMessage(message);
    const result = extractCi(repo);
    ctx.log?.(`CI of ${root}: ${result.candidates.length} commands, ${result.toolchains.length} toolchains, ${result.services.length} services`);
    return { ...result };
  }
}
