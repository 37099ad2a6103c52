/**
 * Shared shapes of the repository analysis: what one ecosystem detector receives and returns.
 */
import type { CandidateStep, Ecosystem, EcosystemName } from '../../protocol/plan.js';
import type { RepoFs } from '../../repo/repo-fs.js';

/** One folder that holds at least one manifest, with the names of the interesting files in it. */
export interface ProjectDir {
  /** Repository-relative POSIX path, "." for the root. */
  dir: string;
  files: Set<string>;
}

export interface DetectContext {
  fs: RepoFs;
  dir: ProjectDir;
  /** Every manifest folder found in the repository (for workspace member matching). */
  allDirs: ProjectDir[];
  warn(message: string): void;
}

export interface EcosystemFinding {
  ecosystem: Ecosystem;
  candidates: CandidateStep[];
  /** Folders (relative to the repository) this project declares as its workspace members. */
  members?: string[];
  /** Folders the workspace explicitly excludes: neither members nor projects of their own. */
  excluded?: string[];
  /**
   * Sub-folders this project's own build takes in (CMake `add_subdirectory`, Meson `subdir`):
   * part of it, not projects of their own; unlike workspace members they imply nothing about
   * other nested projects.
   */
  includes?: string[];
}

export type Detector = (ctx: DetectContext) => EcosystemFinding | undefined;

export interface RepositoryAnalysis {
  ecosystems: Ecosystem[];
  /** Manifest-derived default steps (source kind `manifest` or `default`). */
  candidates: CandidateStep[];
  warnings: string[];
  /** Paths of all manifest folders that were considered. */
  projectDirs: string[];
  /** Workspace members folded into their workspace root (not listed as separate ecosystems). */
  workspaceMembers: string[];
  /** Dependencies known to need system packages, per project folder. */
  systemHints: SystemHint[];
  /** Number of files walked. */
  filesSeen: number;
}

export type { EcosystemName };

export interface SystemHint {
  ecosystem: EcosystemName;
  root: string;
  dependency: string;
  apt: string[];
  kind: 'build' | 'runtime' | 'browser';
  why?: string;
  optional?: boolean;
}
