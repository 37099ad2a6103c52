/**
 * What a Maven or Gradle command line asks for: its goals/tasks, and whether it switches the
 * tests off. `mvn -B package -Dmaven.test.skip=true`, `mvn install -DskipTests` and
 * `gradle build -x test` build without testing; the words `test` or `verify` in an option's value
 * (`-pl test-utils`, `-x test`) are not goals. Stage and equivalence both rely on this.
 */

/** Maven options whose value is the next word (`-pl a,b`, `-P profile`, `-f pom.xml`). */
const MAVEN_VALUE_OPTS = new Set([
  '-pl', '--projects', '-P', '--activate-profiles', '-f', '--file', '-s', '--settings', '-gs', '--global-settings',
  '-t', '--toolchains', '-gt', '--global-toolchains', '-T', '--threads', '-rf', '--resume-from', '-l', '--log-file',
  '-b', '--builder', '-D', '--define', '--color',
]);

/** Gradle options whose value is the next word; `-x`/`--exclude-task` name a task to skip. */
const GRADLE_VALUE_OPTS = new Set([
  '-p', '--project-dir', '-c', '--settings-file', '-b', '--build-file', '-g', '--gradle-user-home', '-I', '--init-script',
  '-D', '--system-prop', '-P', '--project-prop', '--max-workers', '--console', '--warning-mode', '--include-build', '--priority',
]);
const GRADLE_EXCLUDE = new Set(['-x', '--exclude-task']);

function unquote(w: string): string {
  return w.replace(/^['"]|['"]$/g, '');
}

/** `-DskipTests`, `-DskipTests=true`, `-Dmaven.test.skip`, `-Dmaven.test.skip=true` (not `=false`). */
function mavenSkipsTests(defines: string[]): boolean {
  return defines.some((d) => {
    const m = /^(skipTests|maven\.test\.skip|maven\.test\.skip\.exec)(?:=(.*))?$/.exec(unquote(d));
    return !!m && (m[2] === undefined || m[2] === '' || m[2].toLowerCase() === 'true');
  });
}

export interface MavenInvocation {
  goals: string[];
  skipsTests: boolean;
}

/** Goals and the test switch of `mvn <args…>` (args without the program word). */
export function mavenInvocation(args: string[]): MavenInvocation {
  const goals: string[] = [];
  const defines: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-D' || a === '--define') { if (args[i + 1]) defines.push(args[++i]); continue; }
    if (a.startsWith('-D')) { defines.push(a.slice(2)); continue; }
    if (MAVEN_VALUE_OPTS.has(a)) { i++; continue; }
    if (a.startsWith('-')) continue;
    goals.push(unquote(a));
  }
  return { goals, skipsTests: mavenSkipsTests(defines) };
}

/** Maven goals that run the unit tests (unless switched off). */
export const MAVEN_TESTING_GOALS = /^(test|verify|integration-test|surefire:test|failsafe:integration-test|failsafe:verify)$/;

export interface GradleInvocation {
  tasks: string[];
  excluded: string[];
  /** `-x test`, `-x check` or `-x <module>:test`: the run does not test. */
  skipsTests: boolean;
}

const taskName = (t: string) => unquote(t).replace(/^.*:/, '');

/** Tasks, excluded tasks and the test switch of `gradle <args…>`. */
export function gradleInvocation(args: string[]): GradleInvocation {
  const tasks: string[] = [];
  const excluded: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (GRADLE_EXCLUDE.has(a)) { if (args[i + 1]) excluded.push(unquote(args[++i])); continue; }
    const eq = /^--exclude-task=(.+)$/.exec(a);
    if (eq) { excluded.push(unquote(eq[1])); continue; }
    if (GRADLE_VALUE_OPTS.has(a)) { i++; continue; }
    if (a.startsWith('-')) continue;
    tasks.push(unquote(a));
  }
  const skipsTests = excluded.some((t) => /^(test|check)$/.test(taskName(t)));
  return { tasks, excluded, skipsTests };
}

/** Gradle tasks that run tests. */
export const GRADLE_TESTING_TASKS = /(^|:)(test|check|integrationTest|connectedCheck|jacocoTestReport)$/;
