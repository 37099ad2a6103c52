/** Java: Maven (pom.xml, modules, release level) and Gradle (build scripts, settings includes). */
import type { Detector, DetectContext } from './types.js';
import { asArray, asRecord, asString, hasFile, lineOf, readText, readXmlObject, rel, step, unreadable } from './util.js';

function mavenJavaVersion(project: Record<string, unknown>): string | undefined {
  const props = asRecord(project.properties);
  for (const key of ['maven.compiler.release', 'java.version', 'maven.compiler.target', 'maven.compiler.source', 'jdk.version', 'java.release']) {
    const v = asString(props[key]);
    if (v && !v.includes('${')) return v;
  }
  for (const plugin of asArray(asRecord(asRecord(project.build).plugins).plugin)) {
    const p = asRecord(plugin);
    if (asString(p.artifactId) !== 'maven-compiler-plugin') continue;
    const conf = asRecord(p.configuration);
    const v = asString(conf.release) ?? asString(conf.target) ?? asString(conf.source);
    if (v && !v.includes('${')) return v;
  }
  return undefined;
}

function memberPath(ctx: DetectContext, m: string): string {
  const clean = m.replace(/^\.\//, '').replace(/\/$/, '');
  return ctx.dir.dir === '.' ? clean : `${ctx.dir.dir}/${clean}`;
}

export const detectMaven: Detector = (ctx) => {
  if (!hasFile(ctx, 'pom.xml')) return undefined;
  const text = readText(ctx, 'pom.xml');
  const doc = readXmlObject(ctx, 'pom.xml');
  const project = asRecord(doc?.project);
  const deps: Record<string, string> = {};
  const dev: Record<string, string> = {};
  for (const d of asArray(asRecord(project.dependencies).dependency)) {
    const r = asRecord(d);
    const name = `${asString(r.groupId) ?? '?'}:${asString(r.artifactId) ?? '?'}`;
    (asString(r.scope) === 'test' ? dev : deps)[name] = asString(r.version) ?? '*';
  }
  const members = asArray(asRecord(project.modules).module).map(asString).filter((m): m is string => !!m).map((m) => memberPath(ctx, m));
  const version = mavenJavaVersion(project);
  const mvn = hasFile(ctx, 'mvnw') ? './mvnw' : 'mvn';
  return {
    ecosystem: {
      name: 'java-maven', root: ctx.dir.dir, packageManager: mvn === './mvnw' ? 'maven-wrapper' : 'maven',
      ...(version ? { languageVersion: version, languageVersionSource: 'pom.xml' } : {}),
      ...(members.length ? { workspaces: members } : {}),
      dependencies: deps, devDependencies: dev,
    },
    candidates: !doc ? unreadable(ctx, 'pom.xml', 'Maven') : [
      step(ctx, { stage: 'build', command: `${mvn} -B -DskipTests package`, file: 'pom.xml', kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'test', command: `${mvn} -B verify`, file: 'pom.xml', line: lineOf(text, /<project/), kind: 'default', confidence: 0.5 }),
    ],
    members,
  };
};

export function parseGradleIncludes(text: string): string[] {
  const out: string[] = [];
  for (const m of text.replace(/\/\/.*$/gm, '').matchAll(/^\s*include\s*\(?([^\n)]*)\)?/gm)) {
    for (const s of m[1].matchAll(/['"]([^'"]+)['"]/g)) out.push(s[1].replace(/^:/, '').replace(/:/g, '/'));
  }
  return out;
}

function gradleJavaVersion(text: string): string | undefined {
  const patterns = [
    /languageVersion\s*(?:=|\.set\()\s*JavaLanguageVersion\.of\(\s*(\d+)\s*\)/,
    /(?:source|target)Compatibility\s*=\s*JavaVersion\.VERSION_(\d+(?:_\d+)?)/,
    /(?:source|target)Compatibility\s*=\s*['"]?(\d+(?:\.\d+)?)['"]?/,
    /jvmToolchain\s*\(\s*(\d+)\s*\)/,
    /options\.release\s*(?:=|\.set\()\s*(\d+)/,
  ];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m[1].replace('_', '.').replace(/^1\.(\d+)$/, (_x, v: string) => (Number(v) >= 5 ? v : `1.${v}`));
  }
  return undefined;
}

export const detectGradle: Detector = (ctx) => {
  const buildFile = ['build.gradle.kts', 'build.gradle'].find((f) => hasFile(ctx, f));
  const settingsFile = ['settings.gradle.kts', 'settings.gradle'].find((f) => hasFile(ctx, f));
  if (!buildFile && !settingsFile) return undefined;
  const text = buildFile ? readText(ctx, buildFile) ?? '' : '';
  const members = settingsFile ? parseGradleIncludes(readText(ctx, settingsFile) ?? '').map((m) => (ctx.dir.dir === '.' ? m : `${ctx.dir.dir}/${m}`)) : [];
  const deps: Record<string, string> = {};
  const dev: Record<string, string> = {};
  for (const m of text.matchAll(/^\s*(\w+)\s*\(?\s*['"]([^:'"\s]+):([^:'"\s]+)(?::([^'"\s]+))?['"]/gm)) {
    (/^test/i.test(m[1]) ? dev : deps)[`${m[2]}:${m[3]}`] = m[4] ?? '*';
  }
  let version = gradleJavaVersion(text);
  const gradle = hasFile(ctx, 'gradlew') ? './gradlew' : 'gradle';
  if (!version && members.length) {
    // Multi-project builds often set the release in a convention plugin or a member build file.
    for (const m of members.slice(0, 5)) {
      for (const f of ['build.gradle.kts', 'build.gradle']) {
        const t = ctx.fs.readText(`${m}/${f}`, 256 * 1024);
        version = t ? gradleJavaVersion(t) : undefined;
        if (version) break;
      }
      if (version) break;
    }
  }
  const file = buildFile ?? settingsFile!;
  if (gradle === './gradlew' && !ctx.fs.exists(rel(ctx.dir.dir, 'gradle/wrapper/gradle-wrapper.properties'))) {
    ctx.warn(`${rel(ctx.dir.dir, 'gradlew')} exists but gradle/wrapper/gradle-wrapper.properties is missing; the wrapper may not run`);
  }
  return {
    ecosystem: {
      name: 'java-gradle', root: ctx.dir.dir, packageManager: gradle === './gradlew' ? 'gradle-wrapper' : 'gradle',
      ...(version ? { languageVersion: version, languageVersionSource: file } : {}),
      ...(members.length ? { workspaces: members } : {}),
      dependencies: deps, devDependencies: dev,
    },
    candidates: [
      step(ctx, { stage: 'build', command: `${gradle} assemble`, file, kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'test', command: `${gradle} test`, file, kind: 'default', confidence: 0.5 }),
    ],
    members,
  };
};
