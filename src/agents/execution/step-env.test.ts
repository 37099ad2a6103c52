import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeStepEnv } from './step-env.js';

describe('nodeStepEnv', () => {
  it('turns off the WebAssembly trap handler only on Nodes that know the flag', () => {
    expect(nodeStepEnv('20.20.2')).toEqual({ NODE_OPTIONS: '--disable-wasm-trap-handler' });
    expect(nodeStepEnv('22.23.3').NODE_OPTIONS).toBe('--disable-wasm-trap-handler');
    expect(nodeStepEnv('26.0.0').NODE_OPTIONS).toBe('--disable-wasm-trap-handler');
    expect(nodeStepEnv('20.14.0')).toEqual({});
    expect(nodeStepEnv('22.1.0')).toEqual({});
    expect(nodeStepEnv('18.20.4')).toEqual({});
    expect(nodeStepEnv(undefined)).toEqual({});
  });

  it('lets several WebAssembly memories fit under an address-space limit that stops them otherwise', () => {
    const script = 'const m=[];try{for(let i=0;i<6;i++)m.push(new WebAssembly.Memory({initial:1}));console.log("ok")}catch{console.log("fail "+m.length)}';
    const as = String(24 * 1024 ** 3);
    const run = (env: Record<string, string>) => spawnSync('prlimit', [`--as=${as}`, process.execPath, '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' }).stdout.trim();
    expect(run({})).toMatch(/^fail [0-5]$/);
    expect(run(nodeStepEnv(process.versions.node))).toBe('ok');
  });
});
