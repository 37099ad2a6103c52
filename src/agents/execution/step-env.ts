/**
 * The environment every sandboxed step gets: non-interactive, no update nags, no telemetry, and a
 * private HOME. Values a plan step sets (from CI or docs) are layered on top.
 */
export function baseStepEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CI: 'true',
    DEBIAN_FRONTEND: 'noninteractive',
    TERM: 'dumb',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
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
