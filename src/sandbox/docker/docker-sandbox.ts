/**
 * Docker backend through dockerode: one short-lived container per command from the ecosystem's
 * image, the run's workspace, home and temp folders bind-mounted, the same limits as bwrap
 * (memory, process count, CPU, file size via ulimits), no network unless the step needs it, and
 * the wall-clock timeout enforced by stopping the container (SIGTERM, then SIGKILL).
 */
import Docker from 'dockerode';
import { posix } from 'node:path';
import { NovaError, errorMessage } from '../../errors.js';
import type { ExecRequest, ExecResult, Sandbox, SandboxInfo } from '../sandbox.js';
import { resolveCwd } from '../paths.js';
import { checkRequest } from '../request.js';
import { OutputCapture, DEFAULT_OUTPUT_CAP } from '../output-capture.js';
import { classify } from '../run-process.js';
import { sandboxEnv } from '../env.js';
import { Demuxer } from './demux.js';
import { splitImage } from './docker-images.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerSandboxOptions {
  workspace: string;
  home: string;
  tmp?: string;
  image: string;
  socketPath?: string;
  outputCap?: number;
  /** Pull the image when it is missing (default true). */
  pull?: boolean;
  /** Default CPU share for a command, in CPUs (NanoCpus); default 2. */
  cpus?: number;
  /** Host variables passed through; only proxy settings apply inside a container. */
  passEnv?: Record<string, string>;
}

/** Paths inside the container. */
const IN = { workspace: '/workspace', home: '/home/nova', tmp: '/tmp' };
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function probeDocker(socketPath = DEFAULT_DOCKER_SOCKET): Promise<SandboxInfo> {
  const docker = new Docker({ socketPath, timeout: 3000 });
  try {
    await docker.ping();
    const v = await docker.version();
    return { kind: 'docker', available: true, version: v.Version };
  } catch (e) {
    return {
      kind: 'docker',
      available: false,
      reason: `no Docker engine reachable at ${socketPath} (${errorMessage(e)}); start Docker (e.g. \`sudo systemctl start docker\`) and make sure this user may use its socket`,
    };
  }
}

export class DockerSandbox implements Sandbox {
  readonly kind = 'docker' as const;
  readonly workspace: string;
  readonly inside = IN;
  private readonly docker: Docker;
  private imageReady?: Promise<void>;
  private readonly live = new Set<string>();

  constructor(private readonly opts: DockerSandboxOptions) {
    this.workspace = opts.workspace;
    this.docker = new Docker({ socketPath: opts.socketPath ?? DEFAULT_DOCKER_SOCKET });
  }

  /** Pull the image once per sandbox, when it is not there yet. */
  ensureImage(): Promise<void> {
    this.imageReady ??= (async () => {
      try {
        await this.docker.getImage(this.opts.image).inspect();
        return;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw this.engineError('inspect the image', e);
      }
      if (this.opts.pull === false) {
        throw new NovaError('UNAVAILABLE', `the Docker image ${this.opts.image} is not present`, { hint: `Pull it first: docker pull ${this.opts.image}` });
      }
      const { repo, tag } = splitImage(this.opts.image);
      try {
        const stream = await this.docker.createImage({ fromImage: repo, tag });
        await new Promise<void>((resolve, reject) => {
          this.docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
            const failed = events?.find((ev) => ev.error);
            if (err || failed) reject(err ?? new Error(failed?.error));
            else resolve();
          });
        });
      } catch (e) {
        this.imageReady = undefined;
        throw new NovaError('UNAVAILABLE', `could not pull the Docker image ${this.opts.image}: ${errorMessage(e)}`, {
          hint: 'Check the image name and the engine\'s registry access, or pull it by hand.',
        });
      }
    })();
    return this.imageReady;
  }

  private engineError(what: string, e: unknown): NovaError {
    return new NovaError('UNAVAILABLE', `the Docker engine failed to ${what}: ${errorMessage(e)}`, { hint: 'Check `docker info`; is the engine running?' });
  }

  async exec(req: ExecRequest): Promise<ExecResult> {
    checkRequest(req);
    const cwd = resolveCwd(this.workspace, req.cwd);
    await this.ensureImage();
    const l = req.limits;
    const env = sandboxEnv({ home: IN.home, tmp: IN.tmp, extra: req.env, pathPrepend: req.pathPrepend, path: CONTAINER_PATH, pass: proxyOnly(this.opts.passEnv) });
    const ulimits: { Name: string; Soft: number; Hard: number }[] = [];
    if (l.maxFileBytes !== undefined) ulimits.push({ Name: 'fsize', Soft: l.maxFileBytes, Hard: l.maxFileBytes });
    if (l.cpuSeconds !== undefined) ulimits.push({ Name: 'cpu', Soft: l.cpuSeconds, Hard: l.cpuSeconds + 5 });
    const binds = [`${this.workspace}:${IN.workspace}`, `${this.opts.home}:${IN.home}`, ...(this.opts.tmp ? [`${this.opts.tmp}:${IN.tmp}`] : [])];
    const uid = process.getuid?.();
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: this.opts.image,
        // bash when the image has it (most do), sh otherwise (alpine-based images).
        Cmd: ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -c "$1"; else exec sh -c "$1"; fi', 'nova', req.command],
        WorkingDir: posix.join(IN.workspace, cwd.rel),
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        ...(uid !== undefined && uid !== 0 ? { User: `${uid}:${process.getgid?.() ?? uid}` } : {}),
        Tty: false,
        AttachStdout: true,
        AttachStderr: true,
        NetworkDisabled: !req.network,
        Labels: { 'org.novasystem.sandbox': '1' },
        HostConfig: {
          Binds: binds,
          NetworkMode: req.network ? 'bridge' : 'none',
          ...(l.memoryBytes !== undefined ? { Memory: l.memoryBytes, MemorySwap: l.memoryBytes } : {}),
          ...(l.maxProcesses !== undefined ? { PidsLimit: l.maxProcesses } : {}),
          NanoCpus: Math.round((this.opts.cpus ?? 2) * 1e9),
          Ulimits: ulimits,
          CapDrop: ['ALL'],
          CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID'],
          SecurityOpt: ['no-new-privileges'],
          Init: true,
        },
      });
    } catch (e) {
      throw this.engineError('create a container', e);
    }
    this.live.add(container.id);
    const started = Date.now();
    const capture = new OutputCapture(this.opts.outputCap ?? DEFAULT_OUTPUT_CAP, req.onOutput);
    let killReason: 'timeout' | 'aborted' | undefined;
    const timers: NodeJS.Timeout[] = [];
    const stop = (reason: 'timeout' | 'aborted') => {
      if (killReason) return;
      killReason = reason;
      container.kill({ signal: 'SIGTERM' }).catch(() => undefined);
      timers.push(setTimeout(() => container.kill({ signal: 'SIGKILL' }).catch(() => undefined), l.killGraceMs ?? 2000));
    };
    const onAbort = () => stop('aborted');
    try {
      // Wait is requested before start so the exit cannot be missed.
      const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      await container.start();
      timers.push(setTimeout(() => stop('timeout'), l.timeoutMs));
      if (req.signal) {
        if (req.signal.aborted) onAbort();
        else req.signal.addEventListener('abort', onAbort, { once: true });
      }
      const logs = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
      const demux = new Demuxer((d, s) => capture.push(d, s));
      const drained = new Promise<void>((resolve) => {
        logs.on('data', (c: Buffer) => demux.push(c));
        logs.on('end', () => resolve());
        logs.on('error', () => resolve());
      });
      const status = await waited;
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
      capture.end();
      let oomKilled = false;
      try {
        const info = await container.inspect();
        oomKilled = !!info.State?.OOMKilled;
      } catch {
        // Inspect is only for the OOM flag.
      }
      const code = status.StatusCode;
      const signal = code > 128 ? signalName(code - 128) : null;
      const output = capture.text();
      const limitHit = oomKilled ? 'memory' : classify(killReason, code, signal, output);
      return {
        exitCode: code,
        signal,
        timedOut: killReason === 'timeout',
        durationMs: Date.now() - started,
        output,
        truncated: capture.truncated,
        ...(limitHit ? { limitHit } : {}),
      };
    } catch (e) {
      if (e instanceof NovaError) throw e;
      throw this.engineError('run the command', e);
    } finally {
      for (const t of timers) clearTimeout(t);
      req.signal?.removeEventListener('abort', onAbort);
      await container.remove({ force: true }).catch(() => undefined);
      this.live.delete(container.id);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((id) => this.docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
    this.live.clear();
  }
}

function proxyOnly(env: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).filter(([k]) => /proxy$/i.test(k)));
}

const SIGNALS: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ' };

function signalName(n: number): NodeJS.Signals | null {
  return SIGNALS[n] ?? null;
}
