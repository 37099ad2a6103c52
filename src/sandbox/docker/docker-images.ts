/**
 * The container image for a plan: the official image of the first (primary) ecosystem, at the
 * language version the project asks for when that can be read as a version.
 */
import semver from 'semver';
import type { Ecosystem } from '../../protocol/plan.js';

/** Lowest version a constraint allows, as `major` or `major.minor`, or undefined. */
function versionFrom(constraint: string | undefined, parts: 1 | 2): string | undefined {
  if (!constraint) return undefined;
  const cleaned = constraint.trim().replace(/^v/, '').replace(/^(go|python|ruby|node)\s*/i, '');
  let v: semver.SemVer | null = null;
  try {
    v = semver.minVersion(cleaned) ?? semver.coerce(cleaned);
  } catch {
    v = semver.coerce(cleaned);
  }
  if (!v || v.major === 0 && v.minor === 0) return undefined;
  return parts === 1 ? String(v.major) : `${v.major}.${v.minor}`;
}

export const DEFAULT_IMAGE = 'debian:bookworm';

export function imageFor(ecosystems: Pick<Ecosystem, 'name' | 'languageVersion'>[]): string {
  const e = ecosystems[0];
  if (!e) return DEFAULT_IMAGE;
  const v = e.languageVersion;
  switch (e.name) {
    case 'node':
      return `node:${versionFrom(v, 1) ?? '20'}`;
    case 'python':
      return `python:${versionFrom(v, 2) ?? '3.12'}`;
    case 'go':
      return `golang:${versionFrom(v, 2) ?? '1.22'}`;
    case 'rust':
      return `rust:${versionFrom(v, 2) ?? '1'}`;
    case 'java-maven':
      return `maven:3-eclipse-temurin-${versionFrom(v, 1) ?? '21'}`;
    case 'java-gradle':
      return `gradle:jdk${versionFrom(v, 1) ?? '21'}`;
    case 'ruby':
      return `ruby:${versionFrom(v, 2) ?? '3.3'}`;
    case 'php':
      return 'composer:2';
    case 'dotnet':
      return `mcr.microsoft.com/dotnet/sdk:${versionFrom(v, 2) ?? '8.0'}`;
    case 'cmake':
    case 'meson':
    case 'autotools':
    case 'make':
      return 'gcc:13';
    default:
      return DEFAULT_IMAGE;
  }
}

/** `repo[:tag]` split the way the Engine's images/create wants it (registry ports kept). */
export function splitImage(image: string): { repo: string; tag: string } {
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  if (at > slash) return { repo: image.slice(0, at), tag: image.slice(at + 1) };
  return { repo: image, tag: 'latest' };
}
