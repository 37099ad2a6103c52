/**
 * Row types of the core tables (Kysely's Database interface). Modules that own further tables
 * (workflow, runs, memory) declare their own interfaces and use `db.withTables<…>()`.
 * JSON columns hold text; timestamps are ISO-8601 text so both dialects compare them the same way.
 */
import type { Generated } from 'kysely';

export interface AgentsTable {
  agent_id: string;
  agent_type: string;
  version: string;
  registration: string; // JSON AgentRegistration
  registered_at: string;
}

export interface MessagesTable {
  seq: Generated<number>;
  message_id: string;
  from_agent: string;
  to_agent: string;
  message_type: string;
  priority: string;
  parent_message_id: string | null;
  body: string; // JSON Message
  status: string; // queued | delivered | acked | failed | dead | expired
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface StateDocsTable {
  run_id: string;
  version: number;
  doc: string; // JSON object
  updated_at: string;
}

export interface StateUpdatesTable {
  seq: Generated<number>;
  run_id: string;
  version: number;
  agent_id: string;
  update_json: string;
  timestamp: string;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: string; // ok | denied | error
  detail: string | null; // JSON
}

export interface KvTable {
  namespace: string;
  key: string;
  value: string;
  expires_at: number | null; // epoch ms
}

export interface RunsTable {
  run_id: string;
  kind: string; // install | plan | workflow
  target: string;
  status: string;
  tenant: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  summary: string | null; // JSON
  owner: string | null; // host:pid of the process running it (migration 007)
}

export interface CommandsTable {
  seq: Generated<number>;
  run_id: string;
  step_index: number;
  attempt: number;
  stage: string;
  command: string;
  cwd: string | null;
  status: string;
  exit_code: number | null;
  duration_ms: number;
  output: string; // capped, with a truncation marker
  output_truncated: number; // 0/1
  started_at: string;
}

export interface DocumentsTable {
  seq: Generated<number>;
  run_id: string;
  path: string;
  kind: string; // readme | ci | manifest | …
  sha256: string;
  bytes: number;
  used_at: string;
}

export interface Database {
  agents: AgentsTable;
  messages: MessagesTable;
  state_docs: StateDocsTable;
  state_updates: StateUpdatesTable;
  audit_events: AuditEventsTable;
  kv: KvTable;
  runs: RunsTable;
  commands: CommandsTable;
  documents: DocumentsTable;
}
