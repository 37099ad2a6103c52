/**
 * Commands that harm the machine or hide tracks rather than files: shutdown/reboot, killing
 * every process, erasing shell history, switching off security tools.
 */
import { hasFlag } from '../unwrap.js';
import { block, type CommandRule, type Finding } from './finding.js';

const POWER = new Set(['shutdown', 'reboot', 'halt', 'poweroff', 'kexec']);
const SECURITY_SERVICES = /^(apparmor|firewalld|ufw|auditd|selinux|fail2ban|clamav.*|clamd|falcon-sensor|crowdstrike|osqueryd|wazuh.*|ossec|sysdig|aide|rkhunter|tripwire|nftables|iptables|snort|suricata|sshguard|mdatp|sentinelone.*|defender)(\.service)?$/;

export const powerRule: CommandRule = ({ u }) => {
  const n = u.name;
  const w = u.words;
  if (POWER.has(n)) return [block(`${n} shuts down or restarts the machine`)];
  if ((n === 'init' || n === 'telinit') && ['0', '6'].includes(w[1] ?? '')) return [block(`${n} ${w[1]} shuts down or restarts the machine`)];
  if (n === 'systemctl' && ['poweroff', 'reboot', 'halt', 'kexec', 'suspend', 'hibernate', 'emergency', 'rescue'].includes(w[1] ?? '')) return [block(`systemctl ${w[1]} shuts down or restarts the machine`)];
  if (n === 'kill') {
    // kill [-SIGNAL | -s SIG | -n NUM] [--] target…: -1 as a target means every process
    let i = 1;
    if (w[i] === '-s' || w[i] === '-n') i += 2;
    else if (w[i] && w[i] !== '--' && w[i]!.startsWith('-') && w.length > 2) i++;
    if (w[i] === '--') i++;
    const targets = w.slice(i);
    if (targets.includes('-1')) return [block('kill -1 kills every process the user can signal')];
    if (targets.includes('1')) return [block('kill 1 signals init, the first process')];
  }
  if (n === 'killall5' || (n === 'pkill' && w.includes('-u') && w.includes('root'))) return [block(`${w.join(' ')} kills system processes`)];
  return [];
};

export const historyRule: CommandRule = ({ u, rec }) => {
  const out: Finding[] = [];
  const n = u.name;
  const w = u.words;
  if (n === 'history' && w.slice(1).some((t) => /^-[a-z]*c/.test(t) || t === '-d' || t === '-w' && w.includes('/dev/null'))) out.push(block(`${w.join(' ')} erases the shell history`));
  if (n === 'unset' && w.slice(1).some((t) => t === 'HISTFILE')) out.push(block('unset HISTFILE stops the shell history from being saved'));
  if (n === 'set' && ((w[1] === '+o' && w[2] === 'history') || w[1] === '+H')) out.push(block(`${w.join(' ')} switches the shell history off`));
  for (const a of rec.assigns) {
    if ((a.name === 'HISTFILE' && (!a.value || a.value.text === '' || a.value.text === '/dev/null')) || ((a.name === 'HISTSIZE' || a.name === 'HISTFILESIZE') && a.value?.text === '0')) {
      out.push(block(`${a.name}=${a.value?.text ?? ''} stops the shell history from being saved`));
    }
  }
  return out;
};

export const securityToolRule: CommandRule = ({ u }) => {
  const n = u.name;
  const w = u.words;
  if (n === 'setenforce' && (w[1] === '0' || w[1]?.toLowerCase() === 'permissive')) return [block('setenforce 0 switches SELinux enforcement off')];
  if ((n === 'systemctl' || n === 'service') && w.length >= 3) {
    const [verb, unit] = n === 'systemctl' ? [w[1], w.slice(2).find((t) => !t.startsWith('-'))] : [w[2], w[1]];
    if (['stop', 'disable', 'mask', 'kill'].includes(verb ?? '') && unit && SECURITY_SERVICES.test(unit)) return [block(`${w.join(' ')} switches off a security service (${unit})`)];
  }
  if (n === 'ufw' && w[1] === 'disable') return [block('ufw disable switches the firewall off')];
  if ((n === 'iptables' || n === 'ip6tables') && (hasFlag(w, 'F', '--flush') || (w.includes('-P') && w.includes('ACCEPT')))) return [block(`${w.join(' ')} removes firewall rules`)];
  if (n === 'nft' && w[1] === 'flush' && w[2] === 'ruleset') return [block('nft flush ruleset removes firewall rules')];
  if (n === 'aa-teardown' || (n === 'aa-disable') || (n === 'apparmor_parser' && hasFlag(w, 'R', '--remove'))) return [block(`${n} switches AppArmor protection off`)];
  if (n === 'auditctl' && (w.includes('-D') || (w.includes('-e') && w[w.indexOf('-e') + 1] === '0'))) return [block(`${w.join(' ')} switches system auditing off`)];
  if (n === 'spctl' && w.includes('--master-disable')) return [block('spctl --master-disable switches Gatekeeper off')];
  if (n === 'csrutil' && w[1] === 'disable') return [block('csrutil disable switches System Integrity Protection off')];
  if (n.toLowerCase() === 'set-mppreference' && w.some((t) => /^-Disable/i.test(t))) return [block(`${n} switches Windows Defender protection off`)];
  if (n === 'sysctl' && w.some((t) => /kernel\.(randomize_va_space|yama\.ptrace_scope)=0/.test(t))) return [block(`${w.join(' ')} weakens kernel protections`)];
  return [];
};
