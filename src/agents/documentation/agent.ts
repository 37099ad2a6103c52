/**
 * The Documentation Extraction agent: answers `docs.extract` messages with the commands a
 * repository's README, INSTALL, CONTRIBUTING and docs/ pages describe, each with its provenance.
 */
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { REPO_ROOT_PARAMETER, repoOfMessage } from '../repo-root.js';
import { extractDocs } from './extract.js';

export class DocumentationAgent extends Agent {
  readonly id = 'documentation-extraction';
  readonly type = 'documentation-extraction';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [{
    name: 'docs.extract',
    description: 'Extract install/build/test/run commands from a repository\'s README, INSTALL, CONTRIBUTING and docs (Markdown, reStructuredText, plain text), with file, line, stage, platform, placeholders and confidence',
    parameters: [REPO_ROOT_PARAMETER],
    required_permissions: [],
  }];

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const { root, repo } = repoOfMessage(message);
    const result = extractDocs(repo);
    ctx.log?.(`documentation of ${root}: ${result.candidates.length} commands from ${result.documents.length} documents`);
    return { ...result };
  }
}
