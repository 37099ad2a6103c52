/**
 * Deleting, wiping and re-permissioning: `rm -rf /`, `rm -rf "$DIR/"*` with DIR unset
 * (ShellCheck SC2115), `mkfs`, `dd of=/dev/sda`, `shred`, recursive chmod/chown of system paths.
 */
import { CLASS_LABEL, isPackageCache, pathOf, type PathClass, type PathInfo } from '../paths.js';
import { displayPath } from '../state.js';
import { hasFlag, operandIndexes } from '../unwrap.js';
import type { ResolvedWord } from '../words.js';
import { block, warn, type CommandRule, type Finding, type RuleInput } from './finding.js';

const DANGEROUS_DELETE: PathClass[] = ['root', 'system', 'home-root', 'home', 'ssh', 'shell-profile', 'credentials', 'cron', 'block-device', 'device', 'outside'];

function describe(info: PathInfo, ws: string): string {
  const shown = displayPath(info.abs, ws) + (info.contents ? (info.abs.endsWith('/') ? '*' : '/*') : '');
  return `${shown} (${CLASS_LABEL[info.cls]})`;
}

/** Judge one path that a command deletes or overwrites wholesale. */
function judgeDeletion(verb: string, word: ResolvedWord, input: RuleInput, selective = false): Finding | undefined {
  const { rec, workspace } = input;
  if (!word.known && word.leadingUnknownVar) {
    const v = word.leadingUnknownVar;
    if (word.text.startsWith('/')) {
      return block(`${verb} ${word.source}, which becomes ${word.text} when $${v} is unset or empty (use "\${${v}:?}", ShellCheck SC2115)`);
    }
    return warn(`${verb} ${word.source}, whose value ($${v}) is not known here`);
  }
  const info = pathOf(word, rec.cwd, workspace);
  if (!info) return warn(`${verb} ${word.source}, whose location is not known here`);
  // `rm -rf /var/lib/apt/lists/*` ends most Dockerfile install lines: a cache, not the system
  if (isPackageCache(info.abs) && (info.contents || !CACHE_ROOTS.has(info.abs))) return warn(`${verb} ${displayPath(info.abs, workspace)}${info.contents ? '/*' : ''} (a package cache outside the workspace)`);
  if (DANGEROUS_DELETE.includes(info.cls)) return block(`${verb} ${describe(info, workspace)}`);
  if (info.cls === 'workspace-root') return selective ? undefined : warn(`${verb} ${describe(info, workspace)}`);
  if (info.cls === 'temp' && info.contents && info.abs.split('/').length <= 2) return block(`${verb} ${describe(info, workspace)}`);
  if (info.cls === 'temp') return warn(`${verb} ${describe(info, workspace)}, outside the workspace`);
  return undefined;
}

const CACHE_ROOTS = new Set(['/root/.cache', '/~/.cache']);

const RM_VALUE_OPTS = ['--interactive'];

export const deletionRule: CommandRule = (input) => {
  const { u } = input;
  const out: Finding[] = [];
  const name = u.name;
  if (name === 'rm' || name === 'rmdir' || name === 'unlink' || name === 'srm' || name === 'wipe') {
    if (hasFlag(u.words, null, '--no-preserve-root')) out.push(block('rm --no-preserve-root removes the protection against deleting /'));
    for (const i of operandIndexes(u.words, RM_VALUE_OPTS)) {
      const f = judgeDeletion('deletes', u.core[i]!, input);
      if (f) out.push(f);
    }
  } else if (name === 'shred') {
    for (const i of operandIndexes(u.words, ['-n', '--iterations', '-s', '--size', '--random-source'])) {
      const f = judgeDeletion('shreds', u.core[i]!, input);
      if (f) out.push(f);
    }
  } else if (name === 'find') {
    const ex = u.words.findIndex((t) => t === '-exec' || t === '-execdir' || t === '-ok');
    if (u.words.includes('-delete')) out.push(...findDeletes(input, 'find -delete deletes files under'));
    else if (ex > 0 && ['rm', 'shred', 'unlink'].includes(u.words[ex + 1] ?? '')) out.push(...findDeletes(input, `find -exec ${u.words[ex + 1]} deletes files under`));
  } else if (name === 'git' && u.words[1] === 'clean' && input.rec.cwd !== null) {
    // git clean only touches the repository it runs in; outside the workspace that is someone else's
    const info = pathOf({ text: '.', known: true, knownPrefix: '.', vars: [], substs: [], glob: false, source: '.' }, input.rec.cwd, input.workspace);
    if (info && !['workspace', 'workspace-root'].includes(info.cls)) out.push(block(`git clean deletes untracked files in ${describe(info, input.workspace)}`));
  }
  return out;
};

function findDeletes(input: RuleInput, verb: string): Finding[] {
  const out: Finding[] = [];
  const { u } = input;
  // start points are the operands before the first expression token
  for (let i = 1; i < u.words.length; i++) {
    const t = u.words[i]!;
    if (t.startsWith('-') || t === '(' || t === '!') break;
    // find deletes only what matches, so starting at the workspace root is ordinary
    const f = judgeDeletion(verb, u.core[i]!, input, true);
    if (f) out.push(f);
  }
  return out;
}

const FORMATTERS = /^(mkfs(\..+)?|mke2fs|mkswap|mkntfs|mkdosfs|newfs(_.+)?|wipefs|fdisk|sfdisk|cfdisk|gdisk|sgdisk|parted|blkdiscard|diskutil|format|pvcreate|vgremove|lvremove|cryptsetup|zpool)$/;

export const diskRule: CommandRule = (input) => {
  const { u, rec, workspace } = input;
  const name = u.name;
  if (FORMATTERS.test(name)) {
    if (name === 'diskutil' && !['eraseDisk', 'eraseVolume', 'partitionDisk', 'zeroDisk', 'randomDisk', 'secureErase'].includes(u.words[1] ?? '')) return [];
    if (name === 'cryptsetup' && !['luksFormat', 'erase'].includes(u.words[1] ?? '')) return [];
    if (name === 'zpool' && !['create', 'destroy', 'labelclear'].includes(u.words[1] ?? '')) return [];
    if ((name === 'fdisk' || name === 'parted' || name === 'sfdisk') && u.words.some((t) => t === '-l' || t === '--list')) return [];
    return [block(`${name} formats or repartitions a disk`)];
  }
  if (name === 'dd') {
    const out: Finding[] = [];
    u.core.forEach((w) => {
      if (!w.text.startsWith('of=')) return;
      const target = { ...w, text: w.text.slice(3), knownPrefix: w.knownPrefix.slice(3) };
      const info = pathOf(target, rec.cwd, workspace);
      if (!info) { out.push(warn(`dd writes to ${w.source.slice(3)}, whose location is not known here`)); return; }
      if (['block-device', 'device', 'root', 'system', 'shell-profile', 'cron', 'ssh'].includes(info.cls)) out.push(block(`dd writes onto ${describe(info, workspace)}`));
      else if (!['workspace', 'temp', 'harmless-device'].includes(info.cls)) out.push(warn(`dd writes to ${describe(info, workspace)}`));
    });
    return out;
  }
  return [];
};

const WORLD_WRITABLE = /^(0?[0-7]?[0-7][0-7][2367]|.*[ao]\+[rx]*w.*|.*[ao]=[rx]*w.*|[+=][rx]*w[rx]*)$/;

export const permissionRule: CommandRule = (input) => {
  const { u, rec, workspace } = input;
  const name = u.name;
  if (name !== 'chmod' && name !== 'chown' && name !== 'chgrp' && name !== 'setfacl') return [];
  const recursive = hasFlag(u.words, 'R', '--recursive');
  const idx = operandIndexes(u.words, ['--reference', '--from']);
  const usesReference = u.words.some((t) => t.startsWith('--reference'));
  const spec = usesReference || name === 'setfacl' ? undefined : u.words[idx[0] ?? -1];
  const targets = usesReference || name === 'setfacl' ? idx : idx.slice(1);
  const worldWritable = name === 'chmod' && !!spec && WORLD_WRITABLE.test(spec);
  const out: Finding[] = [];
  for (const i of targets) {
    const w = u.core[i]!;
    const info = pathOf(w, rec.cwd, workspace);
    const what = `${name}${recursive ? ' -R' : ''} ${spec ?? ''}`.replace(/\s+$/, '');
    if (!info) {
      if (w.leadingUnknownVar && w.text.startsWith('/')) out.push(block(`${what} ${w.source} changes ${w.text} when $${w.leadingUnknownVar} is unset or empty`));
      else if (recursive) out.push(warn(`${what} changes ${w.source}, whose location is not known here`));
      continue;
    }
    if (['root', 'system', 'block-device', 'device', 'shell-profile', 'cron', 'home-root'].includes(info.cls)) {
      out.push(block(`${what} changes ${describe(info, workspace)}`));
    } else if (info.cls === 'ssh' || info.cls === 'credentials' || info.cls === 'home' || info.cls === 'outside') {
      if (worldWritable || recursive || name !== 'chmod') out.push(block(`${what} changes ${describe(info, workspace)}`));
      else out.push(warn(`${what} changes ${describe(info, workspace)}`));
    } else if (worldWritable && (recursive || info.cls === 'workspace-root')) {
      out.push(warn(`${what} makes ${displayPath(info.abs, workspace)} writable by every user`));
    }
  }
  return out;
};
