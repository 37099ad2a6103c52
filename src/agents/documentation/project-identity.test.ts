import { afterAll, expect, it } from 'vitest';
import { projectIdentity } from './project-identity.js';
import { cleanupFixtures, fixtureRepo } from './fixture-repo.js';

afterAll(cleanupFixtures);

it('names the commands a project provides, from each kind of manifest', () => {
  const names = (files: Record<string, string>) => [...(projectIdentity(fixtureRepo(files)).commandNames ?? [])].sort();
  expect(names({ 'package.json': JSON.stringify({ name: '@acme/mytool', bin: 'cli.js' }) })).toEqual(['mytool']);
  expect(names({ 'package.json': JSON.stringify({ name: 'pkg', bin: { mt: 'a.js', 'mt-init': 'b.js' } }) })).toEqual(['mt', 'mt-init']);
  expect(names({ 'package.json': JSON.stringify({ name: 'library-only' }) })).toEqual([]);
  expect(names({ 'pyproject.toml': '[project]\nname = "pkg"\n\n[project.scripts]\nmytool = "pkg.cli:main"\n"my-other" = "pkg.x:y"\n\n[tool.x]\nz = 1\n' })).toEqual(['my-other', 'mytool']);
  expect(names({ 'setup.cfg': '[metadata]\nname = pkg\n\n[options.entry_points]\nconsole_scripts =\n    pk = pkg.cli:main\n' })).toEqual(['pk']);
  expect(names({ 'setup.py': "setup(name='pkg', entry_points={'console_scripts': ['pkcli = pkg.cli:main']})\n" })).toEqual(['pkcli']);
  expect(names({ 'Cargo.toml': '[package]\nname = "grepper"\n\n[[bin]]\nname = "gr"\npath = "src/bin/gr.rs"\n', 'src/main.rs': 'fn main() {}\n' })).toEqual(['gr', 'grepper']);
  expect(names({ 'Cargo.toml': '[package]\nname = "libonly"\n', 'src/lib.rs': '' })).toEqual([]);
  expect(names({ 'go.mod': 'module github.com/acme/tool\n', 'cmd/toolctl/main.go': 'package main\n' })).toEqual(['toolctl']);
  expect(names({ 'mygem.gemspec': 'Gem::Specification.new do |spec|\n  spec.executables = %w[mygem mygem-server]\nend\n' })).toEqual(['mygem', 'mygem-server']);
});
