/**
 * The `root` parameter shared by the agents that read a checked-out repository (repository
 * analysis, documentation and CI extraction), and the check of a message's root.
 */
import type { CapabilityParameter } from '../protocol/agent.js';
import type { Message } from '../protocol/message.js';
import { NovaError } from '../errors.js';
import { RepoFs } from '../repo/repo-fs.js';

export const REPO_ROOT_PARAMETER: CapabilityParameter = { name: 'root', type: 'string', required: true, description: 'absolute path of the checked-out repository' };

/** The repository folder a message names in content.root, opened for bounded, symlink-safe reads. */
export function repoOfMessage(message: Message): { root: string; repo: RepoFs } {
  const root = message.content.root;
  if (typeof root !== 'string' || !root) throw new NovaError('BAD_INPUT', `${message.message_type} needs content.root (a folder path)`, { hint: 'Send { root: "/path/to/repo" }.' });
  return { root, repo: new RepoFs(root) };
}
