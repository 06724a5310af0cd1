-- Kernel: durable outbox, tamper-evident audit log, demo-world seeds.
-- Append-heavy tables use bigint identity keys (time-ordered), never random UUIDs.

create schema if not exists kernel;

-- Domain events written in the same transaction as the change that caused them.
create table kernel.outbox_events (
  id bigint generated always as identity primary key,
  topic text not null check (topic ~ '^[a-z][a-z0-9_.-]*$'),
  payload jsonb not null,
  created_at timestamptz not null default now(),
  status text not null default 'pending' check (status in ('pending', 'done', 'dead')),
  attempts integer not null default 0,
  available_at timestamptz not null default now(),
  -- handlers that already succeeded: a retry only re-runs the others
  done_handlers text[] not null default '{}',
  locked_by text,
  locked_until timestamptz,
  last_error text,
  finished_at timestamptz
);
create index outbox_events_due on kernel.outbox_events (available_at, id) where status = 'pending';
create index outbox_events_dead on kernel.outbox_events (id) where status = 'dead';
create index outbox_events_finished on kernel.outbox_events (finished_at) where status = 'done';

-- Seeds of the demo world that already ran (each runs once).
create table kernel.seeds (
  name text primary key,
  applied_at timestamptz not null default now()
);

-- The audit log. Each entry carries the SHA-256 of its own canonical content,
-- computed by the writer, so appends never wait on each other. A sealer then
-- groups committed entries into batches by transaction id range, computes each
-- batch's Merkle root and chains the batches by hash (see src/kernel/audit).
create table kernel.audit_entries (
  id bigint generated always as identity primary key,
  txid xid8 not null default pg_current_xact_id(),
  occurred_at timestamptz not null,
  module text not null,
  action text not null,
  actor text,
  subject text,
  data jsonb not null,
  entry_hash bytea not null check (length(entry_hash) = 32)
);
create index audit_entries_txid on kernel.audit_entries (txid, id);
create index audit_entries_subject on kernel.audit_entries (subject, id) where subject is not null;

create table kernel.audit_batches (
  batch_no bigint primary key,
  -- the batch holds every entry with xid_from <= txid < xid_to
  xid_from xid8 not null,
  xid_to xid8 not null,
  entry_count integer not null,
  first_entry_id bigint,
  last_entry_id bigint,
  -- the entries' hashes in order, 32 bytes each: verify names the exact entry that changed
  leaf_hashes bytea not null check (length(leaf_hashes) = 32 * entry_count),
  merkle_root bytea not null check (length(merkle_root) = 32),
  prev_hash bytea not null,
  batch_hash bytea not null,
  sealed_at timestamptz not null default now(),
  check (xid_from < xid_to)
);

-- Append-only: the application never updates nor deletes audit rows.
create function kernel.forbid_audit_change() returns trigger language plpgsql as $$
begin
  raise exception 'kernel audit tables are append-only (% on %)', tg_op, tg_table_name
    using errcode = 'insufficient_privilege';
end
$$;
create trigger audit_entries_append_only before update or delete on kernel.audit_entries
  for each row execute function kernel.forbid_audit_change();
create trigger audit_entries_no_truncate before truncate on kernel.audit_entries
  for each statement execute function kernel.forbid_audit_change();
create trigger audit_batches_append_only before update or delete on kernel.audit_batches
  for each row execute function kernel.forbid_audit_change();
create trigger audit_batches_no_truncate before truncate on kernel.audit_batches
  for each statement execute function kernel.forbid_audit_change();
