/**
 * The environment every sandboxed step gets: non-interactive, no update nags, no telemetry, and a
 * private HOME. Values a plan step sets (from CI or docs) are layered on top. No NO_COLOR or
 * FORCE_COLOR: CI runners set neither, and test suites that check colour detection fail under
 * them (commander.js); output is not a terminal anyway, and diagnosis strips ANSI codes.
 */
export function baseStepEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CI: 'true',
    DEBIAN_FRONTEND: 'noninteractive',
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    GIT_TERMINAL_PROMPT: '0',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    NEXT_TELEMETRY_DISABLED: '1',
    ...extra,
  };
}

/**
 * Node options every Node step gets. The sandbox bounds each process's address space (RLIMIT_AS),
 * and V8 reserves ~10 GiB of it per WebAssembly memory for trap-based bounds checks, so tools
 * that start several WebAssembly instances (yarn berry's zip workers, esbuild-wasm, vitest's
 * dependencies) fail with "Cannot allocate Wasm memory". `--disable-wasm-trap-handler` makes V8
 * check bounds inline instead; it exists from Node 20.15 and 22.2 (older Nodes reject it).
 */
export function nodeStepEnv(nodeVersion: string | undefined): Record<string, string> {
  const m = /^v?(\d+)\.(\d+)/.exec(nodeVersion ?? '');
  if (!m) return {};
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const supported = major >= 23 || (major === 22 && minor >= 2) || (major === 20 && minor >= 15);
  return supported ? { NODE_OPTIONS: '--disable-wasm-trap-handler' } : {};
}
