import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../testing/services.js';
import { prepareWorkspace } from '../workspace.js';
import { DockerSandbox, probeDocker, DEFAULT_DOCKER_SOCKET } from './docker-sandbox.js';
import { DockerEngineDouble } from './engine-double.js';
import { imageFor, splitImage } from './docker-images.js';
import { Demuxer, frame } from './demux.js';

describe('docker images per ecosystem', () => {
  it('picks the official image at the version the project asks for', () => {
    expect(imageFor([{ name: 'node', languageVersion: '>=18.17' }])).toBe('node:18');
    expect(imageFor([{ name: 'node' }])).toBe('node:20');
    expect(imageFor([{ name: 'python', languageVersion: '>=3.10,<4' }])).toBe('python:3.10');
    expect(imageFor([{ name: 'go', languageVersion: '1.22.1' }])).toBe('golang:1.22');
    expect(imageFor([{ name: 'java-maven', languageVersion: '17' }])).toBe('maven:3-eclipse-temurin-17');
    expect(imageFor([{ name: 'dotnet' }])).toBe('mcr.microsoft.com/dotnet/sdk:8.0');
    expect(imageFor([{ name: 'cmake' }])).toBe('gcc:13');
    expect(imageFor([])).toBe('debian:bookworm');
    expect(splitImage('localhost:5000/x/y:1.2')).toEqual({ repo: 'localhost:5000/x/y', tag: '1.2' });
    expect(splitImage('localhost:5000/x/y')).toEqual({ repo: 'localhost:5000/x/y', tag: 'latest' });
  });

  it('demultiplexes frames split across reads', () => {
    const got: string[] = [];
    const d = new Demuxer((b, s) => got.push(`${s}:${b.toString()}`));
    const all = Buffer.concat([frame('stdout', Buffer.from('hello')), frame('stderr', Buffer.from('oops'))]);
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    expect(got).toEqual(['stdout:hello', 'stderr:oops']);
  });
});

describe('docker sandbox against an engine double speaking the Engine API', () => {
  let dir: ReturnType<typeof tempDir>;
  let engine: DockerEngineDouble;
  let paths: ReturnType<typeof prepareWorkspace>;

  beforeAll(async () => {
    dir = tempDir('nova-docker-');
    mkdirSync(join(dir.path, 'repo', 'sub'), { recursive: true });
    paths = prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run'));
    engine = new DockerEngineDouble(join(dir.path, 'docker.sock'));
    await engine.start();
  });
  afterAll(async () => {
    await engine?.stop();
    dir?.cleanup();
  });

  it('answers the probe', async () => {
    const info = await probeDocker(engine.socketPath);
    expect(info).toMatchObject({ kind: 'docker', available: true, version: '27.0.0-double' });
    const none = await probeDocker(join(dir.path, 'nothing.sock'));
    expect(none.available).toBe(false);
    expect(none.reason).toMatch(/no Docker engine reachable/);
  });

  it('pulls the image, runs one container per command with the limits, streams and removes it', async () => {
    const sb = new DockerSandbox({ ...paths, image: 'node:20', socketPath: engine.socketPath });
    engine.requests.length = 0;
    const live: string[] = [];
    const r = await sb.exec({
      command: 'echo out; echo err >&2; pwd; exit 4',
      cwd: 'sub',
      limits: { timeoutMs: 10_000, memoryBytes: 256 * 1024 * 1024, maxProcesses: 128, maxFileBytes: 1024 * 1024, cpuSeconds: 30 },
      onOutput: (c, s) => live.push(`${s}:${c}`),
    });
    expect(r.exitCode).toBe(4);
    expect(r.output).toContain('out');
    expect(r.output).toContain('err');
    expect(live).toContain('stderr:err\n');
    expect(engine.flow()).toEqual([
      'GET /images/node:20/json',
      'POST /images/create',
      'POST /containers/create',
      'POST /containers/{id}/wait',
      'POST /containers/{id}/start',
      'GET /containers/{id}/logs',
      'GET /containers/{id}/json',
      'DELETE /containers/{id}',
    ]);
    const create = engine.requests.find((q) => q.path === '/containers/create')!.body as Record<string, any>;
    expect(create.Image).toBe('node:20');
    expect(create.WorkingDir).toBe('/workspace/sub');
    expect(create.NetworkDisabled).toBe(true);
    expect(create.HostConfig.NetworkMode).toBe('none');
    expect(create.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(create.HostConfig.PidsLimit).toBe(128);
    expect(create.HostConfig.Ulimits).toContainEqual({ Name: 'fsize', Soft: 1024 * 1024, Hard: 1024 * 1024 });
    expect(create.HostConfig.Binds).toContain(`${paths.workspace}:/workspace`);
    expect(create.Env).toContain('HOME=/home/nova');
    // The image is pulled once per sandbox; a second command goes straight to create.
    engine.requests.length = 0;
    const r2 = await sb.exec({ command: 'true', limits: { timeoutMs: 10_000 }, network: true });
    expect(r2.exitCode).toBe(0);
    expect(engine.flow()[0]).toBe('POST /containers/create');
    const create2 = engine.requests[0].body as Record<string, any>;
    expect(create2.NetworkDisabled).toBe(false);
    await sb.dispose();
  });

  it('stops a container at its timeout: SIGTERM, then SIGKILL', async () => {
    const sb = new DockerSandbox({ ...paths, image: 'node:20', socketPath: engine.socketPath });
    engine.requests.length = 0;
    const r = await sb.exec({ command: 'trap "" TERM; sleep 30', limits: { timeoutMs: 400, killGraceMs: 300 } });
    expect(r.timedOut).toBe(true);
    expect(r.limitHit).toBe('timeout');
    const kills = engine.requests.filter((q) => q.path.endsWith('/kill')).map((q) => q.query.signal);
    expect(kills).toEqual(['SIGTERM', 'SIGKILL']);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('says clearly when the image cannot be pulled, and refuses cwd escapes', async () => {
    const sb = new DockerSandbox({ ...paths, image: 'does-not-exist:1', socketPath: engine.socketPath });
    await expect(sb.exec({ command: 'true', limits: { timeoutMs: 1000 } })).rejects.toThrow(/could not pull the Docker image does-not-exist:1/);
    await expect(sb.exec({ command: 'true', cwd: '../', limits: { timeoutMs: 1000 } })).rejects.toThrow(/leaves the workspace/);
  });
});

const realEngine = await probeDocker(DEFAULT_DOCKER_SOCKET);
describe.skipIf(!realEngine.available)(`docker sandbox on a real engine (skipped: no Docker engine reachable at ${DEFAULT_DOCKER_SOCKET})`, () => {
  it('runs a command in a container with network off', async () => {
    const dir = tempDir('nova-docker-real-');
    try {
      mkdirSync(join(dir.path, 'repo'));
      const p = prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run'));
      const sb = new DockerSandbox({ ...p, image: 'debian:bookworm' });
      const r = await sb.exec({ command: 'echo hi > f; cat f; getent hosts example.com || echo offline', limits: { timeoutMs: 120_000 } });
      expect(r.output).toContain('hi');
      expect(r.output).toContain('offline');
      await sb.dispose();
    } finally {
      dir.cleanup();
    }
  }, 300_000);
});
