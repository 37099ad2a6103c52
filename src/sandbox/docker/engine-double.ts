/**
 * A stand-in Docker Engine for tests on machines without one. It speaks the Engine's HTTP API on a
 * unix socket — the endpoints the Docker backend uses, with their real status codes, JSON bodies
 * and the multiplexed log framing — and "runs" a container by running its command as a host
 * process in the bind-mounted working directory. It records every request so tests can check the
 * backend's request flow and the container configuration it sends.
 */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { posix } from 'node:path';
import { frame } from './demux.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

interface FakeContainer {
  id: string;
  config: ContainerConfig;
  proc?: ChildProcess;
  frames: Buffer[];
  followers: http.ServerResponse[];
  exitCode?: number;
  waiters: ((code: number) => void)[];
  running: boolean;
}

interface ContainerConfig {
  Image: string;
  Cmd: string[];
  WorkingDir?: string;
  Env?: string[];
  HostConfig?: { Binds?: string[] };
}

export class DockerEngineDouble {
  readonly requests: RecordedRequest[] = [];
  readonly images = new Set<string>();
  private readonly containers = new Map<string, FakeContainer>();
  private server?: http.Server;
  private seq = 0;

  constructor(readonly socketPath: string, images: string[] = []) {
    for (const i of images) this.images.add(i);
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        try {
          this.handle(req, res, raw);
        } catch (e) {
          this.json(res, 500, { message: String(e) });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.socketPath, resolve));
  }

  async stop(): Promise<void> {
    for (const c of this.containers.values()) c.proc?.kill('SIGKILL');
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Requests as "METHOD /path" (API version prefix removed), in order. */
  flow(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path.replace(/\/[0-9a-f]{64}/, '/{id}')}`);
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.45' });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    const query = Object.fromEntries(url.searchParams.entries());
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    this.requests.push({ method: req.method ?? 'GET', path, query, body });
    const m = req.method;
    let match: RegExpMatchArray | null;

    if (m === 'GET' && path === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': '1.45' });
      return void res.end('OK');
    }
    if (m === 'GET' && path === '/version') {
      return this.json(res, 200, { Version: '27.0.0-double', ApiVersion: '1.45', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' });
    }
    if (m === 'GET' && (match = path.match(/^\/images\/(.+)\/json$/))) {
      const name = decodeURIComponent(match[1]);
      if (!this.images.has(name)) return this.json(res, 404, { message: `No such image: ${name}` });
      return this.json(res, 200, { Id: 'sha256:' + '0'.repeat(64), RepoTags: [name] });
    }
    if (m === 'POST' && path === '/images/create') {
      const name = `${query.fromImage}:${query.tag ?? 'latest'}`;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (query.fromImage?.includes('does-not-exist')) {
        return void res.end(JSON.stringify({ errorDetail: { message: 'pull access denied' }, error: 'pull access denied' }) + '\n');
      }
      this.images.add(name);
      res.write(JSON.stringify({ status: `Pulling from ${query.fromImage}`, id: query.tag }) + '\n');
      return void res.end(JSON.stringify({ status: `Status: Downloaded newer image for ${name}` }) + '\n');
    }
    if (m === 'POST' && path === '/containers/create') {
      const config = body as ContainerConfig;
      if (!this.images.has(config.Image)) return this.json(res, 404, { message: `No such image: ${config.Image}` });
      const id = (++this.seq).toString(16).padStart(64, 'c');
      this.containers.set(id, { id, config, frames: [], followers: [], waiters: [], running: false });
      return this.json(res, 201, { Id: id, Warnings: [] });
    }
    if ((match = path.match(/^\/containers\/([0-9a-f]+)(\/[a-z]+)?$/))) {
      const c = this.containers.get(match[1]);
      if (!c) return this.json(res, 404, { message: `No such container: ${match[1]}` });
      const action = match[2] ?? '';
      if (m === 'POST' && action === '/start') return this.startContainer(c, res);
      if (m === 'POST' && action === '/wait') {
        if (c.exitCode !== undefined && query.condition !== 'next-exit') return this.json(res, 200, { StatusCode: c.exitCode, Error: null });
        c.waiters.push((code) => this.json(res, 200, { StatusCode: code, Error: null }));
        return;
      }
      if (m === 'GET' && action === '/logs') {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
        for (const f of c.frames) res.write(f);
        if (!c.running && c.exitCode !== undefined) return void res.end();
        if (query.follow === '1' || query.follow === 'true') c.followers.push(res);
        else res.end();
        return;
      }
      if (m === 'POST' && action === '/kill') {
        if (!c.running) return this.json(res, 409, { message: `Container ${c.id} is not running` });
        c.proc?.kill((query.signal as NodeJS.Signals) ?? 'SIGKILL');
        res.writeHead(204);
        return void res.end();
      }
      if (m === 'GET' && action === '/json') {
        return this.json(res, 200, { Id: c.id, State: { Running: c.running, ExitCode: c.exitCode ?? 0, OOMKilled: false }, Config: c.config });
      }
      if (m === 'DELETE' && action === '') {
        if (c.running && query.force !== 'true' && query.force !== '1') return this.json(res, 409, { message: 'container is running' });
        c.proc?.kill('SIGKILL');
        this.containers.delete(c.id);
        res.writeHead(204);
        return void res.end();
      }
    }
    this.json(res, 404, { message: `page not found: ${m} ${path}` });
  }

  /** Container paths are mapped to host paths through the bind mounts. */
  private hostPath(c: FakeContainer, inside: string): string {
    for (const b of c.config.HostConfig?.Binds ?? []) {
      const [host, dest] = b.split(':');
      if (inside === dest || inside.startsWith(dest + '/')) return host + inside.slice(dest.length);
    }
    return inside;
  }

  private startContainer(c: FakeContainer, res: http.ServerResponse): void {
    if (c.running) {
      res.writeHead(304);
      return void res.end();
    }
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const kv of c.config.Env ?? []) {
      const i = kv.indexOf('=');
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    env.PATH = `${env.PATH}:/usr/local/bin:/usr/bin:/bin`;
    env.HOME = this.hostPath(c, env.HOME ?? '/');
    const proc = spawn(c.config.Cmd[0], c.config.Cmd.slice(1), { cwd: this.hostPath(c, c.config.WorkingDir ?? '/'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    c.proc = proc;
    c.running = true;
    const emit = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
      const f = frame(stream, d);
      c.frames.push(f);
      for (const r of c.followers) r.write(f);
    };
    proc.stdout!.on('data', emit('stdout'));
    proc.stderr!.on('data', emit('stderr'));
    proc.on('close', (code, signal) => {
      c.running = false;
      c.exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
      for (const r of c.followers) r.end();
      c.followers = [];
      for (const w of c.waiters) w(c.exitCode);
      c.waiters = [];
    });
    res.writeHead(204);
    res.end();
  }
}

/** Container path of a bind for tests. */
export const containerWorkdir = (rel: string) => posix.join('/workspace', rel);
