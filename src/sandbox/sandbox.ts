/**
 * Execution backends behind one interface: bubblewrap (`sandbox/bwrap/`), Docker via dockerode
 * (`sandbox/docker/`) and none (`sandbox/none/`, only on explicit request).
 */
export interface SandboxLimits {
  /** Wall-clock timeout of one command. */
  timeoutMs: number;
  /** Address-space / memory limit in bytes. */
  memoryBytes?: number;
  /** CPU time in seconds. */
  cpuSeconds?: number;
  /** Maximum number of processes (per sandbox user/cgroup). */
  maxProcesses?: number;
  /** Largest file a command may write, in bytes. */
  maxFileBytes?: number;
  /**
   * Most the run's writable places (workspace, home, temp folder) may hold on disk, in bytes;
   * a command that grows them beyond it is killed (`limitHit: 'disk'`).
   */
  maxDiskBytes?: number;
  /** Grace between SIGTERM and SIGKILL when a command is stopped (default 2 s). */
  killGraceMs?: number;
}

export interface ExecRequest {
  /** Shell script text, run by `bash -c` (or `sh -c`) inside the sandbox. */
  command: string;
  /** Working directory relative to the workspace root ("." by default). Must stay inside it. */
  cwd?: string;
  env?: Record<string, string>;
  /** Folders put first on PATH (in-sandbox paths), e.g. the toolchain's per-run bin folder. */
  pathPrepend?: string[];
  /** Allow network access for this command (dependency downloads). Default false. */
  network?: boolean;
  limits: SandboxLimits;
  /** Live output (stdout and stderr interleaved, as produced). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  /** Signal that ended the process, if any. */
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Combined output, capped; `truncated` says whether the cap was hit. */
  output: string;
  truncated: boolean;
  /** Why the sandbox killed or denied it (memory, processes, file size, …) when known. */
  limitHit?: 'timeout' | 'memory' | 'processes' | 'file-size' | 'cpu' | 'disk';
}

export interface SandboxInfo {
  kind: 'bwrap' | 'docker' | 'none';
  available: boolean;
  /** Why not available, and how to make it so. */
  reason?: string;
  version?: string;
}

export interface Sandbox {
  readonly kind: 'bwrap' | 'docker' | 'none';
  /** The writable workspace (host path) commands run in. */
  readonly workspace: string;
  /** Paths as commands inside the sandbox see them (they differ from host paths under Docker). */
  readonly inside?: { workspace: string; home: string; tmp: string };
  exec(req: ExecRequest): Promise<ExecResult>;
  /**
   * Make files written into the run's folders from outside the sandbox (a fix applied by the host)
   * changeable by commands again. Only backends that run commands as another user need it.
   */
  syncOwnership?(): Promise<void>;
  /** Remove containers/temporary state (not the workspace). */
  dispose(): Promise<void>;
}
