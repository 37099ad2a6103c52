/**
 * PowerShell one-liners from Windows install docs (`iex (iwr …)`,
 * `iex ((New-Object Net.WebClient).DownloadString('…'))`) are not bash and do not parse as bash.
 * A small tokenizer (quotes, parentheses, pipes) is enough to recognise the few forms that run
 * downloaded code; everything else stays a parse warning.
 */
import { block, warn, type Finding } from './rules/finding.js';

export function tokenizePowerShell(text: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  const flush = () => { if (cur) tokens.push(cur); cur = ''; };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      const lit = end < 0 ? text.slice(i + 1) : text.slice(i + 1, end);
      flush();
      tokens.push(JSON.stringify(lit));
      i = end < 0 ? text.length : end;
    } else if (/\s/.test(ch)) flush();
    else if ('()|;{}[]'.includes(ch)) { flush(); tokens.push(ch); }
    else if (ch === '.' && cur.endsWith(')')) { flush(); }
    else cur += ch;
  }
  flush();
  return tokens;
}

const EXEC = new Set(['iex', 'invoke-expression', '&', 'invoke-command', 'icm']);
const DOWNLOAD = /^(iwr|irm|invoke-webrequest|invoke-restmethod|curl|wget|start-bitstransfer|\.?downloadstring|\.?downloaddata|net\.webclient|system\.net\.webclient|\)\.downloadstring)$/i;

export function looksLikePowerShell(tokens: string[]): boolean {
  return tokens.some((t) => /^[A-Za-z]+-[A-Za-z]+$/.test(t) && /^(Invoke|New|Set|Get|Remove|Start|Add|Install)-/i.test(t))
    || tokens.some((t) => EXEC.has(t.toLowerCase()) && t !== '&');
}

export function powerShellFindings(text: string): Finding[] {
  const tokens = tokenizePowerShell(text);
  const lower = tokens.map((t) => t.toLowerCase().replace(/^\./, ''));
  const out: Finding[] = [];
  const runs = lower.some((t) => EXEC.has(t) && t !== '&') || lower.includes('[scriptblock]::create');
  const downloads = lower.some((t) => DOWNLOAD.test(t) || t.endsWith('downloadstring') || t.includes('net.webclient'));
  if (runs && downloads) out.push(block('runs downloaded content as code (PowerShell Invoke-Expression of a web request)'));
  if (lower.includes('set-mppreference') && lower.some((t) => t.startsWith('-disable'))) out.push(block('Set-MpPreference switches Windows Defender protection off'));
  if (lower.includes('set-executionpolicy') && lower.some((t) => t === 'bypass' || t === 'unrestricted')) out.push(warn('Set-ExecutionPolicy lets any script run'));
  if ((lower.includes('remove-item') || lower.includes('rm') || lower.includes('rd')) && lower.some((t) => /^"?[a-z]:\\?"?$/.test(t) || /^"?(c:\\windows|\$env:userprofile|\$env:systemroot|~)"?$/.test(t))) out.push(block('deletes a whole drive, Windows or the user profile (PowerShell Remove-Item)'));
  return out;
}
