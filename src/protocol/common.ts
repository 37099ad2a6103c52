import { z } from 'zod';

/** ISO-8601 timestamp with timezone (`2026-11-26T08:00:00.000Z` or with an offset). */
export const IsoTimestamp = z.iso.datetime({ offset: true }).describe('ISO-8601 timestamp with timezone');

/** Identifiers for agents, runs, messages: printable, no whitespace, bounded. */
export const Identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, 'must start with a letter or digit and contain only letters, digits and . _ : @ / -');

/** A tenant: a key part in Redis and a column in the store, so printable and bounded. */
export const TenantName = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must start with a letter or digit and contain only letters, digits and . _ @ -');
export const TENANT_HINT = 'Use a name of letters, digits and . _ @ - (at most 100 characters), e.g. team-a.';

export const SemVer = z
  .string()
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.3');

export const nowIso = (): string => new Date().toISOString();
