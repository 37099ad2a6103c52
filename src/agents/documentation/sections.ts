/**
 * What the headings and the sentence before a block say about it: the stage its commands belong
 * to, whether it is developer documentation (stronger evidence) or usage of a released package
 * (weaker), and the platform it is written for.
 */
import type { Platform, Stage } from '../../protocol/plan.js';
import { platformOfText } from './command-facts.js';

export type SectionKind = 'dev' | 'test' | 'build' | 'install' | 'usage' | 'other';

export interface SectionFacts {
  stage?: Stage;
  kind: SectionKind;
  platform?: Platform;
}

const DEV = /\b(develop(ment|ing|er)?|contribut(e|ing|ors?)|hacking|from source|from git|local (setup|development)|dev (setup|environment|env)|working on|source install)\b/i;
const TEST = /\b(test(s|ing)?|specs?|unit ?tests?|coverage|check(s|ing)?)\b/i;
const BUILD = /\b(build(ing)?|compil(e|ing|ation)|from source|packaging)\b/i;
const INSTALL = /\b(install(ation|ing)?|set ?up|setting up|getting started|get started|quick ?start|requirements?|prerequisites?|dependenc(y|ies)|bootstrap(ping)?|environment)\b/i;
const USAGE = /\b(usage|how to use|using|run(ning)?|start(ing)?|launch(ing)?|examples?|deploy(ment|ing)?|serv(e|ing|er)|demo|tutorial|docker)\b/i;

function stageOfHeading(h: string): Stage | undefined {
  if (TEST.test(h)) return 'test';
  if (BUILD.test(h)) return 'build';
  if (INSTALL.test(h)) return 'install';
  if (USAGE.test(h)) return 'run';
  return undefined;
}

/** The stage a sentence announces ("To run the tests:", "Build it with"). */
export function stageOfLead(lead: string): Stage | undefined {
  const t = lead.toLowerCase();
  if (/\b(run(ning)?|execut(e|ing)|launch)\s+(all\s+)?(of\s+)?(the\s+)?([\w-]+\s+)?(tests?|test suite|specs?)\b|\btest suite\b|\bto test\b|\bunit tests?\b/.test(t)) return 'test';
  if (/\bto build\b|\bbuild (it|the|from)\b|\bcompil(e|ing)\b/.test(t)) return 'build';
  if (/\bto install\b|\binstall (the |all )?(dependencies|requirements|it|with|from)\b|\bset ?up (a |the |your )?(virtual|dev|development|environment)/.test(t)) return 'install';
  if (/\bto (start|run|launch|serve) (the |your )?(server|app|application|service|program|cli|tool)\b|\busage\b/.test(t)) return 'run';
  return undefined;
}

const FILE_KIND_DEFAULT: Record<string, SectionKind> = {
  contributing: 'dev', hacking: 'dev', building: 'build', development: 'dev', install: 'install',
};

export function sectionFacts(headings: string[], lead: string, fileKind: string): SectionFacts {
  let stage: Stage | undefined;
  let kind: SectionKind | undefined;
  let platform: Platform | undefined;
  const leadPlatform = platformOfText(lead.slice(0, 200));
  for (let i = headings.length - 1; i >= 0; i--) {
    const h = headings[i];
    stage ??= stageOfHeading(h);
    platform ??= platformOfText(h);
    if (!kind && DEV.test(h)) kind = 'dev';
  }
  if (!kind) {
    const inner = [...headings].reverse().map(stageOfHeading).find((s) => s !== undefined);
    kind = inner === 'test' ? 'test' : inner === 'build' ? 'build' : inner === 'install' ? 'install' : inner === 'run' ? 'usage' : undefined;
  }
  kind ??= FILE_KIND_DEFAULT[fileKind] ?? 'other';
  return { stage: stageOfLead(lead) ?? stage, kind, platform: leadPlatform ?? platform };
}

/** Base confidence of documented commands by the kind of section they appear in. */
export const SECTION_CONFIDENCE: Record<SectionKind, number> = {
  dev: 0.7, test: 0.7, build: 0.65, install: 0.6, other: 0.5, usage: 0.4,
};

const RELEASE = /\b(releas(e|es|ing)|publish(ing)?|deploy(s|ing|ment)?|cut(ting)? a (new )?version|version bump)\b/i;

/**
 * The block sits in a section about releasing or deploying the project ("Release Process", "How
 * to release a new version?", "Publishing"): maintainers' steps, not building the checkout. A
 * heading that also says build/test/install ("Release build") is about those instead.
 */
export function isReleaseSection(headings: string[]): boolean {
  const h = headings[headings.length - 1];
  return !!h && RELEASE.test(h) && !TEST.test(h) && !BUILD.test(h) && !INSTALL.test(h);
}
