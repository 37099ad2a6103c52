export { analyzeRepository, findProjectDirs } from './analyze.js';
export { RepositoryAnalysisAgent } from './agent.js';
export { SYSTEM_PACKAGE_RULES, systemPackageRule, rulesFor } from './system-packages.data.js';
export type { RepositoryAnalysis, SystemHint } from './types.js';
