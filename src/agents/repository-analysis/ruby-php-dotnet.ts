/** Ruby (Bundler), PHP (Composer) and .NET (SDK projects and solutions). */
import type { CandidateStep } from '../../protocol/plan.js';
import type { Detector } from './types.js';
import { asArray, asRecord, asString, depMap, escapeRe, filesMatching, firstLine, hasDir, hasFile, lineOf, readJsonObject, readText, readXmlObject, step, unreadable } from './util.js';

export function parseGemfile(text: string): { gems: Record<string, string>; ruby?: string } {
  const gems: Record<string, string> = {};
  for (const m of text.matchAll(/^\s*gem\s+['"]([^'"]+)['"](?:\s*,\s*['"]([^'"]+)['"])?/gm)) gems[m[1]] = m[2] ?? '*';
  const ruby = /^\s*ruby\s+['"]([^'"]+)['"]/m.exec(text)?.[1];
  return { gems, ruby };
}

export const detectRuby: Detector = (ctx) => {
  const gemspecs = filesMatching(ctx, /\.gemspec$/);
  if (!hasFile(ctx, 'Gemfile') && !gemspecs.length) return undefined;
  const raw = hasFile(ctx, 'Gemfile') ? readText(ctx, 'Gemfile') : '';
  if (raw === undefined && !gemspecs.length) return { ecosystem: { name: 'ruby', root: ctx.dir.dir, packageManager: 'bundler' }, candidates: unreadable(ctx, 'Gemfile', 'Ruby') };
  const text = raw ?? '';
  const { gems, ruby } = parseGemfile(text);
  for (const g of gemspecs) {
    const spec = readText(ctx, g) ?? '';
    for (const m of spec.matchAll(/add_(?:runtime_)?dependency\s*\(?\s*['"]([^'"]+)['"]/g)) gems[m[1]] ??= '*';
    for (const m of spec.matchAll(/add_development_dependency\s*\(?\s*['"]([^'"]+)['"]/g)) gems[m[1]] ??= '*';
  }
  const rv = firstLine(readText(ctx, '.ruby-version', 1024));
  const version = rv ? rv.replace(/^ruby-/, '') : ruby;
  const candidates: CandidateStep[] = [step(ctx, { stage: 'install', command: 'bundle install', file: hasFile(ctx, 'Gemfile.lock') ? 'Gemfile.lock' : 'Gemfile', kind: 'manifest', confidence: 0.6 })];
  const rakefile = readText(ctx, 'Rakefile', 65536);
  if (gems.rspec || gems['rspec-rails'] || hasDir(ctx, 'spec')) {
    candidates.push(step(ctx, { stage: 'test', command: 'bundle exec rspec', file: 'Gemfile', line: lineOf(text, /['"]rspec/), kind: gems.rspec || gems['rspec-rails'] ? 'manifest' : 'default', confidence: 0.5 }));
  } else if (rakefile !== undefined) {
    candidates.push(step(ctx, { stage: 'test', command: 'bundle exec rake test', file: 'Rakefile', kind: 'default', confidence: 0.45 }));
  }
  return {
    ecosystem: {
      name: 'ruby', root: ctx.dir.dir, packageManager: 'bundler',
      ...(version ? { languageVersion: version, languageVersionSource: rv ? '.ruby-version' : 'Gemfile ruby' } : {}),
      dependencies: gems,
      ...(hasFile(ctx, 'Gemfile.lock') ? { lockfiles: ['Gemfile.lock'] } : {}),
    },
    candidates,
  };
};

export const detectPhp: Detector = (ctx) => {
  if (!hasFile(ctx, 'composer.json')) return undefined;
  const text = readText(ctx, 'composer.json');
  const parsed = readJsonObject(ctx, 'composer.json');
  const composer = parsed ?? {};
  const require = depMap(composer.require);
  const version = require.php;
  const scripts = Object.fromEntries(Object.entries(asRecord(composer.scripts)).map(([k, v]) => [k, Array.isArray(v) ? v.join(' && ') : String(v)]));
  const dev = depMap(composer['require-dev']);
  const lock = hasFile(ctx, 'composer.lock');
  const candidates: CandidateStep[] = [step(ctx, { stage: 'install', command: 'composer install --no-interaction', file: lock ? 'composer.lock' : 'composer.json', kind: 'manifest', confidence: 0.6 })];
  if (scripts.test) candidates.push(step(ctx, { stage: 'test', command: 'composer test', file: 'composer.json', line: lineOf(text, /"test"\s*:/), kind: 'manifest', confidence: 0.6 }));
  else if (dev['phpunit/phpunit'] || hasFile(ctx, 'phpunit.xml') || hasFile(ctx, 'phpunit.xml.dist')) candidates.push(step(ctx, { stage: 'test', command: 'vendor/bin/phpunit', file: 'composer.json', line: lineOf(text, /phpunit\/phpunit/), kind: 'manifest', confidence: 0.55 }));
  return {
    ecosystem: {
      name: 'php', root: ctx.dir.dir, packageManager: 'composer',
      ...(version ? { languageVersion: version, languageVersionSource: 'composer.json require.php' } : {}),
      dependencies: require, devDependencies: dev, scripts,
      ...(lock ? { lockfiles: ['composer.lock'] } : {}),
    },
    candidates: parsed ? candidates : unreadable(ctx, 'composer.json', 'PHP'),
  };
};

const PROJECT_FILE = /\.(csproj|fsproj|vbproj)$/;

export const detectDotnet: Detector = (ctx) => {
  const slns = filesMatching(ctx, /\.slnx?$/);
  const projects = filesMatching(ctx, PROJECT_FILE);
  if (!slns.length && !projects.length) return undefined;
  // A folder that only holds a project which a solution above already covers is not its own root;
  // the caller folds those into the solution's workspace through `members`.
  const global = hasFile(ctx, 'global.json') ? readJsonObject(ctx, 'global.json') : undefined;
  const sdk = asString(asRecord(global?.sdk).version);
  const deps: Record<string, string> = {};
  let framework: string | undefined;
  for (const p of projects.slice(0, 20)) {
    const doc = asRecord(asRecord(readXmlObject(ctx, p)).Project);
    for (const group of asArray(doc.ItemGroup)) for (const ref of asArray(asRecord(group).PackageReference)) {
      const r = asRecord(ref);
      const name = asString(r['@Include']);
      if (name) deps[name] = asString(r['@Version']) ?? asString(r.Version) ?? '*';
    }
    for (const group of asArray(doc.PropertyGroup)) framework ??= asString(asRecord(group).TargetFramework) ?? asString(asRecord(group).TargetFrameworks);
  }
  const members: string[] = [];
  for (const sln of slns) {
    const text = readText(ctx, sln) ?? '';
    for (const m of text.matchAll(/"([^"]+\.(?:cs|fs|vb)proj)"/g)) {
      const dir = m[1].replace(/\\/g, '/').split('/').slice(0, -1).join('/');
      if (dir) members.push(ctx.dir.dir === '.' ? dir : `${ctx.dir.dir}/${dir}`);
    }
  }
  const target = slns.length > 1 ? ` ${slns[0]}` : projects.length > 1 && !slns.length ? ` ${projects[0]}` : '';
  const file = slns[0] ?? projects[0];
  const line = (re: string) => lineOf(readText(ctx, file), new RegExp(escapeRe(re)));
  return {
    ecosystem: {
      name: 'dotnet', root: ctx.dir.dir, packageManager: 'nuget',
      ...(sdk ? { languageVersion: sdk, languageVersionSource: 'global.json sdk.version' } : framework ? { languageVersion: framework, languageVersionSource: 'TargetFramework' } : {}),
      ...(members.length ? { workspaces: [...new Set(members)].sort() } : {}),
      dependencies: deps,
    },
    candidates: [
      step(ctx, { stage: 'install', command: `dotnet restore${target}`, file, line: line('Project'), kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'build', command: `dotnet build${target} --no-restore`, file, kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'test', command: `dotnet test${target} --no-build`, file, kind: 'default', confidence: 0.45 }),
    ],
    members: [...new Set(members)],
  };
};
