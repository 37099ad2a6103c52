/**
 * What a container image name says: the toolchain and version it provides (`node:20-alpine` →
 * node 20, `cimg/python:3.11` → python 3.11) or the service it runs (`postgres:15` → postgres).
 */

const TOOLCHAIN_IMAGES: [RegExp, string][] = [
  [/^(node|nodejs|cimg\/node|circleci\/node|typescript-node|javascript-node)$/, 'node'],
  [/^(python|cimg\/python|circleci\/python|pypy|python-\w+)$/, 'python'],
  [/^(golang|go|cimg\/go|circleci\/golang)$/, 'go'],
  [/^(rust|cimg\/rust|circleci\/rust)$/, 'rust'],
  [/^(ruby|cimg\/ruby|circleci\/ruby)$/, 'ruby'],
  [/^(php|cimg\/php|circleci\/php)$/, 'php'],
  [/^(openjdk|eclipse-temurin|amazoncorretto|adoptopenjdk|ibmjava|sapmachine|cimg\/openjdk|circleci\/openjdk|java)$/, 'java'],
  [/^(maven|gradle)$/, 'java'],
  [/^(dotnet\/sdk|dotnet\/core\/sdk|dotnet)$/, 'dotnet'],
  [/^(elixir|cimg\/elixir)$/, 'elixir'],
  [/^(deno|denoland\/deno)$/, 'deno'],
  [/^(bun|oven\/bun)$/, 'bun'],
  [/^(swift)$/, 'swift'],
  [/^(haskell)$/, 'haskell'],
  [/^(dart|google\/dart)$/, 'dart'],
];

const SERVICE_IMAGES = /^(postgres|postgresql|postgis|mysql|mariadb|redis|valkey|mongo|mongodb|memcached|rabbitmq|elasticsearch|opensearch|cassandra|couchdb|couchbase|neo4j|minio|localstack|zookeeper|kafka|nats|etcd|consul|vault|clickhouse|influxdb|mssql|sqlserver|oracle|selenium|chrome|firefox|keycloak|mailhog|mailpit|azurite|timescaledb|cockroach|cockroachdb|docker)$/;

/** Repository path of an image without registry host, tag or digest: `ghcr.io/x/y:1` → `x/y`. */
export function imageRepo(image: string): { repo: string; tag?: string } {
  let s = image.trim().replace(/@sha256:[0-9a-f]+$/i, '');
  const parts = s.split('/');
  if (parts.length > 1 && /[.:]/.test(parts[0]) && parts[0] !== 'localhost') parts.shift(); // registry host
  else if (parts[0] === 'localhost') parts.shift();
  s = parts.join('/');
  const colon = s.lastIndexOf(':');
  const repo = colon > 0 ? s.slice(0, colon) : s;
  const tag = colon > 0 ? s.slice(colon + 1) : undefined;
  return { repo: repo.replace(/^library\//, '').replace(/^(devcontainers|microsoft\/(vscode-)?devcontainers|vscode\/devcontainers)\//, ''), tag };
}

/** Toolchain language and version an image provides, when the tag names a version. */
export function toolchainOfImage(image: string): { language: string; version: string } | undefined {
  if (!image || image.includes('${') || image.includes('$(')) return undefined;
  const { repo, tag } = imageRepo(image);
  const last = repo.split('/').pop() ?? repo;
  let language: string | undefined;
  for (const [re, lang] of TOOLCHAIN_IMAGES) if (re.test(repo) || re.test(last)) { language = lang; break; }
  if (!language || !tag) return undefined;
  let version: string | undefined;
  if (repo === 'maven' || repo === 'gradle') {
    // maven:3.9-eclipse-temurin-17, gradle:8-jdk17: the Java release is after "jdk"/"temurin"/"openjdk".
    version = /(?:jdk|temurin-|openjdk-?|corretto-?)(\d+)/.exec(tag)?.[1];
  } else if (/^(typescript-node|javascript-node)$/.test(last)) {
    version = /^(\d+(?:\.\d+)*)/.exec(tag)?.[1];
  } else {
    version = /^v?(\d+(?:\.\d+){0,2})/.exec(tag)?.[1] ?? (/^(lts|current|stable|nightly)/.exec(tag)?.[1]);
  }
  return version ? { language, version } : undefined;
}

/** Service (database, cache, broker) an image runs, if it is a known one. */
export function serviceOfImage(image: string): string | undefined {
  if (!image || image.includes('${')) return undefined;
  const { repo } = imageRepo(image);
  const last = (repo.split('/').pop() ?? repo).toLowerCase();
  const base = last.replace(/^(bitnami|circleci|cimg)-/, '');
  if (SERVICE_IMAGES.test(base)) return canonicalService(base);
  const m = /^(postgres|mysql|redis|mongo|mariadb|elasticsearch|rabbitmq|mssql)/.exec(base);
  return m ? canonicalService(m[1]) : undefined;
}

function canonicalService(name: string): string {
  if (name === 'postgresql' || name === 'postgis' || name === 'timescaledb') return 'postgres';
  if (name === 'mongodb') return 'mongo';
  if (name === 'sqlserver') return 'mssql';
  if (name === 'cockroach') return 'cockroachdb';
  return name;
}
