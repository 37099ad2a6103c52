/**
 * Docker Compose files: the databases, caches and brokers a project runs beside itself in
 * development or CI (postgres, redis, …) — services its tests are likely to need. Commands are not
 * taken from here.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import { emptyFindings, type CiFindings } from './common.js';
import { get, loadYamlFile, str } from './yaml-tree.js';
import { serviceOfImage } from './images.js';

const COMPOSE_FILES = [
  'docker-compose.test.yml', 'docker-compose.ci.yml', 'docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml',
  'docker-compose.dev.yml', 'docker/docker-compose.yml',
];

export function extractCompose(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  for (const file of COMPOSE_FILES) {
    const root = loadYamlFile(fs, file, out.warnings);
    const services = get(root, 'services');
    if (services?.kind !== 'map') continue;
    for (const s of services.entries) {
      const image = str(get(s.value, 'image'));
      const name = image ? serviceOfImage(image) : undefined;
      if (name && name !== 'docker' && !out.services.some((x) => x.name === name)) {
        out.services.push({ name, source: { kind: 'ci', file, line: s.keyLine, detail: `compose:${s.key}` } });
      }
    }
  }
  return out;
}
